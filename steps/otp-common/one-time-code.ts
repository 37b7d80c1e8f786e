/**
 * The challenge → verify machinery that sms.otp and email.otp share: a code from the CSPRNG,
 * kept only as a keyed hash bound to the session and step, expired by timestamp, single use,
 * with attempts that survive resends and fallbacks.
 */
import { randomInt } from 'node:crypto';
import { MessagingError, provesFactorFor, type AskRequest, type MessageChannel, type StepContext, type StepError, type StepOutcome } from '../../engine/sdk.js';
import { wrongCode } from './wrong-code.js';

export interface OtpConfig {
  channels: MessageChannel[];
  codeLength: number;
  expirySeconds: number;
  maxAttempts: number;
  maxResends: number;
  resendCooldownSeconds: number;
  message: string;
}

/** Kept in the session between the client's answers (the code itself is never stored). */
export interface OtpState {
  [key: string]: unknown;
  codeHash: string;
  expiresAt: string;
  sentAt: string;
  channel: MessageChannel;
  attempts: number;
  resends: number;
}

export interface OtpDestination {
  /** Normalised (E.164 or lower-cased address). */
  address: string;
  masked: string;
}

export const codeOptionSchema = {
  type: 'object',
  required: ['code'],
  additionalProperties: false,
  properties: { code: { type: 'string', minLength: 1, maxLength: 16, title: 'Code', writeOnly: true } },
} as const;

/** A numeric code of `length` digits, uniformly drawn (randomInt has no modulo bias). */
export function newCode(length: number): string {
  return String(randomInt(0, 10 ** length)).padStart(length, '0');
}

/** The code bound to its session and step, so a code never works anywhere else. */
function codeInput(ctx: StepContext<any>, code: string): string {
  return `${ctx.session.id}:${ctx.step.id}:${code}`;
}

function hashCode(ctx: StepContext<any>, code: string): string {
  return ctx.services.credentials.keyedHash('otp', codeInput(ctx, code));
}


export async function runOtpStep(
  ctx: StepContext<any>,
  config: OtpConfig,
  resolveDestination: () => OtpDestination | StepError,
  subject: string,
): Promise<StepOutcome> {
  const destination = resolveDestination();
  if ('code' in destination) return ctx.fail(destination);
  const now = ctx.now();

  if (!ctx.submission) {
    return send(ctx, config, destination, subject, config.channels, { attempts: 0, resends: 0 }, null);
  }

  const state = ctx.state as OtpState;
  if (ctx.submission.option === 'resend') {
    const requested = (ctx.submission.data as { channel?: MessageChannel }).channel;
    if (!resendAvailable(config, state, now)) {
      return ask(ctx, config, destination, state, { code: 'resend_unavailable', message: 'a new code cannot be sent yet' });
    }
    const order = requested ? [requested, ...config.channels.filter((c) => c !== requested)] : config.channels;
    return send(ctx, config, destination, subject, order, { attempts: state.attempts, resends: state.resends + 1 }, null);
  }

  // verify
  const checked = checkOtpCode(ctx, config, state, String((ctx.submission.data as { code?: unknown }).code ?? ''));
  if (checked.result === 'accepted') {
    return ctx.branch('success', {
      tokens: [{ type: 'otp', claims: { channel: state.channel, destination: destination.masked, method: state.channel } }],
      ...(provesFactorFor(ctx.user, ctx.auth, destination.address) ? { proved: state.channel === 'email' ? 'email' : 'sms' } : {}),
    });
  }
  if (checked.result === 'failed') return ctx.fail(checked.error);
  return ask(ctx, config, destination, checked.state, checked.error);
}

/** Whether a new code may be sent now (resends left, cooldown over). */
export function resendAvailable(config: OtpConfig, state: OtpState, now: Date): boolean {
  const availableAt = Date.parse(state.sentAt) + config.resendCooldownSeconds * 1000;
  return state.resends < config.maxResends && now.getTime() >= availableAt;
}

/**
 * Checks a submitted code against the pending one: accepted; retry (the step stays, with the
 * new state and error: wrong or expired code); failed (out of attempts).
 */
export function checkOtpCode(
  ctx: StepContext<any>,
  config: OtpConfig,
  state: OtpState,
  submitted: string,
): { result: 'accepted' } | { result: 'retry'; state: OtpState; error: StepError } | { result: 'failed'; error: StepError } {
  const now = ctx.now();
  const code = submitted.trim();
  if (now.getTime() > Date.parse(state.expiresAt)) {
    return { result: 'retry', state, error: { code: 'expired_code', message: 'the code has expired: ask for a new one' } };
  }
  if (ctx.services.credentials.matchesKeyedHash('otp', codeInput(ctx, code), state.codeHash)) return { result: 'accepted' };
  const attempts = state.attempts + 1;
  if (attempts >= config.maxAttempts) return { result: 'failed', error: { code: 'too_many_attempts', message: 'too many wrong codes' } };
  return {
    result: 'retry',
    state: { ...state, attempts },
    error: wrongCode(config.maxAttempts - attempts),
  };
}

/**
 * Draws a code and sends it on the first of `order` that delivers; answers the new pending state
 * (the code kept only as its keyed hash), or the step error to fail with.
 */
export async function deliverOtpCode(
  ctx: StepContext<any>,
  config: OtpConfig,
  destination: OtpDestination,
  subject: string,
  order: MessageChannel[],
  counts: { attempts: number; resends: number },
): Promise<{ state: OtpState } | { error: StepError }> {
  const now = ctx.now();
  const code = newCode(config.codeLength);
  const body = config.message.replaceAll('{{code}}', code).replaceAll('{{minutes}}', String(Math.ceil(config.expirySeconds / 60)));
  let channel: MessageChannel;
  try {
    // Keyed by the submit: whatever happens to this run, it sends at most one message.
    ({ channel } = await ctx.services.messaging.send({ to: destination.address, body, subject, sessionId: ctx.session.id, clientAddress: ctx.session.clientAddress }, order, {
      idempotencyKey: `${ctx.session.runId}:${ctx.step.id}`,
    }));
  } catch (failure) {
    if (failure instanceof MessagingError) {
      return { error: { code: failure.code, message: failure.message, ...(failure.details ? { details: failure.details } : {}) } };
    }
    throw failure;
  }
  return {
    state: {
      codeHash: hashCode(ctx, code),
      expiresAt: new Date(now.getTime() + config.expirySeconds * 1000).toISOString(),
      sentAt: now.toISOString(),
      channel,
      ...counts,
    },
  };
}

async function send(
  ctx: StepContext<any>,
  config: OtpConfig,
  destination: OtpDestination,
  subject: string,
  order: MessageChannel[],
  counts: { attempts: number; resends: number },
  error: StepError | null,
): Promise<StepOutcome> {
  const sent = await deliverOtpCode(ctx, config, destination, subject, order, counts);
  if ('error' in sent) return ctx.fail(sent.error);
  return ask(ctx, config, destination, sent.state, error);
}

/** What the client is shown about a pending code. */
export function otpStatus(config: OtpConfig, destination: OtpDestination, state: OtpState) {
  return {
    destination: destination.masked,
    channel: state.channel,
    expiresAt: state.expiresAt,
    resendAvailableAt: new Date(Date.parse(state.sentAt) + config.resendCooldownSeconds * 1000).toISOString(),
    resendsLeft: Math.max(0, config.maxResends - state.resends),
  };
}

function ask(ctx: StepContext<any>, config: OtpConfig, destination: OtpDestination, state: OtpState, error: StepError | null): StepOutcome {
  const request: AskRequest = {
    data: otpStatus(config, destination, state),
    options: [
      { id: 'verify', label: 'Verify', schema: codeOptionSchema },
      {
        id: 'resend',
        label: 'Send a new code',
        schema: {
          type: 'object',
          additionalProperties: false,
          properties: { channel: { type: 'string', enum: config.channels, title: 'Channel' } },
        },
      },
    ],
    error,
    state,
  };
  return ctx.ask(request);
}

/** Shared config keys (the spec's bounds and defaults). */
export const otpConfigProperties = {
  codeLength: { type: 'integer', minimum: 6, maximum: 10, default: 6, title: 'Code length' },
  expirySeconds: { type: 'integer', minimum: 60, maximum: 600, default: 300, title: 'Code lifetime (seconds)' },
  maxAttempts: { type: 'integer', minimum: 1, maximum: 10, default: 5, title: 'Attempts' },
  maxResends: { type: 'integer', minimum: 0, maximum: 10, default: 3, title: 'Resends' },
  resendCooldownSeconds: { type: 'integer', minimum: 0, maximum: 300, default: 30, title: 'Resend cooldown (seconds)' },
  message: { type: 'string', minLength: 1, maxLength: 1000, pattern: '\\{\\{code\\}\\}', default: 'Your code is {{code}}', title: 'Message ({{code}}, {{minutes}})' },
} as const;
