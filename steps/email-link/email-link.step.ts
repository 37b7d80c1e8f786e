/**
 * email.link: sends a single-use sign-in link by email, then waits until the link's page proves it
 * (GET shows a button, the POST proves it and resumes this step with `check`). The link works in
 * the browser that started (its device cookie); with `allowOtherDevice`, elsewhere too once the
 * user types the code this screen shows. The token is drawn and hashed by the engine
 * (`ctx.services.links`); this step sees its URL once, to send it, and keeps only the link's id.
 */
import { defineStep, MessagingError, provesFactorFor, type AskRequest, type MessageChannel, type StepContext, type StepError, type StepOutcome } from '../../engine/sdk.js';
import { EMAIL, maskEmail } from '../otp-common/destinations.js';
import { outputVariableSchema } from '../shared-schemas.js';

/** Kept in the session between the client's answers: never the token, the code only sealed. */
interface LinkState {
  [key: string]: unknown;
  linkId: string;
  expiresAt: string;
  sentAt: string;
  resends: number;
  /** The match code (allowOtherDevice), sealed to this session and step. */
  sealedCode: string | null;
}

interface LinkConfig {
  to: string;
  ttlSeconds: number;
  allowOtherDevice: boolean;
  channels: MessageChannel[];
  maxResends: number;
  resendCooldownSeconds: number;
  subject: string;
  message: string;
  outputVariable?: string;
}

export const emailLinkStep = defineStep({
  type: 'email.link',
  title: 'Email link',
  category: 'authentication',
  description:
    'Sends a single-use sign-in link by email and waits until it is opened (in the browser that started, or, with allowOtherDevice, elsewhere with the code shown here). Proves the email factor. The client may check or resend.',
  interactive: true,
  writes: { output: { shape: { type: 'object', additionalProperties: false, properties: { email: { type: 'string' } } } }, auth: {} },
  branches: ['success'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['to'],
    properties: {
      to: { type: 'string', minLength: 3, maxLength: 254, title: 'Email address' },
      ttlSeconds: { type: 'integer', minimum: 60, maximum: 3600, default: 600, title: 'Link lifetime (seconds)' },
      allowOtherDevice: { type: 'boolean', default: false, title: 'Allow opening it on another device (with a code)' },
      channels: { type: 'array', items: { type: 'string', enum: ['email'] }, minItems: 1, uniqueItems: true, default: ['email'], title: 'Channels' },
      maxResends: { type: 'integer', minimum: 0, maximum: 10, default: 3, title: 'Resends' },
      resendCooldownSeconds: { type: 'integer', minimum: 0, maximum: 300, default: 30, title: 'Resend cooldown (seconds)' },
      subject: { type: 'string', minLength: 1, maxLength: 200, default: 'Your sign-in link', title: 'Subject' },
      message: {
        type: 'string',
        minLength: 1,
        maxLength: 2000,
        pattern: '\\{\\{link\\}\\}',
        default: 'Open this link to sign in: {{link}}\n\nIt works once and expires in {{minutes}} minutes. If you did not ask for it, ignore this email.',
        title: 'Message ({{link}}, {{minutes}})',
      },
      outputVariable: outputVariableSchema,
    },
  },
  async run(ctx) {
    const config = ctx.config as LinkConfig;
    const trimmed = config.to.trim();
    if (!EMAIL.test(trimmed)) return ctx.fail({ code: 'invalid_email', message: 'the email address is not valid' });
    const address = trimmed.toLowerCase();

    if (!ctx.submission) return send(ctx, config, address, 0);
    const state = ctx.state as LinkState;

    if (ctx.submission.option === 'resend') {
      if (!resendAvailable(config, state, ctx.now())) {
        return ask(ctx, config, address, state, { code: 'resend_unavailable', message: 'a new link cannot be sent yet' });
      }
      return send(ctx, config, address, state.resends + 1);
    }

    // check
    const status = await ctx.services.links.status(state.linkId, ctx.now());
    if (status === 'used') {
      // The email factor is the user's only when the link went to their own address (or they were
      // already established): a link to an address someone typed proves only who holds that address.
      return ctx.branch('success', { output: { email: address }, ...(provesFactorFor(ctx.user, ctx.auth, address) ? { proved: 'email' as const } : {}) });
    }
    if (status === 'expired' || status === 'missing') return ctx.fail({ code: 'link_expired', message: 'the link has expired' });
    if (status === 'blocked') {
      return ask(ctx, config, address, state, { code: 'link_blocked', message: 'the link was blocked after too many wrong codes: ask for a new one' });
    }
    return ask(ctx, config, address, state, { code: 'link_not_used', message: 'the link has not been opened yet' });
  },
});

function resendAvailable(config: LinkConfig, state: LinkState, now: Date): boolean {
  return state.resends < config.maxResends && now.getTime() >= Date.parse(state.sentAt) + config.resendCooldownSeconds * 1000;
}

const codeContext = (ctx: StepContext<any>) => `email.link:${ctx.session.id}:${ctx.step.id}`;

/** Creates a link (replacing the step's earlier one) and sends it; then waits. */
async function send(ctx: StepContext<any>, config: LinkConfig, address: string, resends: number): Promise<StepOutcome> {
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + config.ttlSeconds * 1000).toISOString();
  // The link exists before the message leaves, so it works as soon as it arrives.
  const link = await ctx.services.links.create({
    sessionId: ctx.session.id,
    stepId: ctx.step.id,
    device: ctx.session.device,
    expiresAt,
    allowOtherDevice: config.allowOtherDevice,
  });
  const body = config.message.replaceAll('{{link}}', link.url).replaceAll('{{minutes}}', String(Math.ceil(config.ttlSeconds / 60)));
  try {
    // Keyed by the submit: whatever happens to this run, it sends at most one message.
    await ctx.services.messaging.send({ to: address, body, subject: config.subject, sessionId: ctx.session.id, clientAddress: ctx.session.clientAddress }, config.channels, {
      idempotencyKey: `${ctx.session.runId}:${ctx.step.id}`,
    });
  } catch (failure) {
    if (failure instanceof MessagingError) return ctx.fail({ code: failure.code, message: failure.message });
    throw failure;
  }
  const state: LinkState = {
    linkId: link.id,
    expiresAt,
    sentAt: now.toISOString(),
    resends,
    sealedCode: link.code === null ? null : ctx.services.credentials.seal(link.code, codeContext(ctx)),
  };
  return ask(ctx, config, address, state, null);
}

function ask(ctx: StepContext<any>, config: LinkConfig, address: string, state: LinkState, error: StepError | null): StepOutcome {
  const code = state.sealedCode === null ? null : ctx.services.credentials.unseal(state.sealedCode, codeContext(ctx));
  const request: AskRequest = {
    data: {
      sentTo: maskEmail(address),
      expiresAt: state.expiresAt,
      resendAvailableAt: new Date(Date.parse(state.sentAt) + config.resendCooldownSeconds * 1000).toISOString(),
      resendsLeft: Math.max(0, config.maxResends - state.resends),
      ...(code !== null ? { code } : {}),
    },
    options: [
      { id: 'check', label: 'I’ve opened the link' },
      { id: 'resend', label: 'Send a new link' },
    ],
    error,
    state,
    // The code proves "I can see the screen that started": sealed at rest, never in timelines.
    ...(code !== null ? { sensitive: true } : {}),
  };
  return ctx.ask(request);
}
