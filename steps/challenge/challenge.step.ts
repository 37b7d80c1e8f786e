/**
 * The `challenge` step: Authsignal's challenge, where the client picks any allowed method —
 * an authenticator app (TOTP, enrolled here first when allowed), or a one-time code by SMS,
 * WhatsApp or email — built on the TOTP and one-time-code machinery of the other steps, whose
 * rules (replay, lockout, attempts, resends, fallback, send limits) apply unchanged.
 *
 * Destinations come from the start input's `attributes` (the Authsignal track attributes
 * `phoneNumber` and `email`), else the user context, else an authenticator verified before.
 */
import { randomUUID } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { defineStep, provesFactorFor, type AuthenticatorRecord, type AuthMethod, type ClientOption, type JsonObject, type MessageChannel, type ProofMethod, type StepContext, type StepError, type StepOutcome, type UserRecord } from '../../engine/sdk.js';
import { maskEmail, maskPhone } from '../otp-common/destinations.js';
import { checkOtpCode, codeOptionSchema, deliverOtpCode, otpStatus, resendAvailable, type OtpConfig, type OtpDestination, type OtpState } from '../otp-common/one-time-code.js';
import { checkTotpCode } from '../totp-common/check-code.js';
import { codeSchema } from '../totp-common/config.js';
import { newSecret, otpauthUri, qrCodeDataUrl, verifyTotp, type TotpParams } from '../totp-common/totp.js';
import { wrongCode } from '../otp-common/wrong-code.js';

export const CHALLENGE_METHODS = ['AUTHENTICATOR_APP', 'SMS', 'WHATSAPP', 'EMAIL_OTP'] as const;
export type ChallengeMethod = (typeof CHALLENGE_METHODS)[number];

/** The client's options (declared in `offers` too, which is how integrations find them). */
export const CHALLENGE_OPTIONS = {
  enrollTotp: 'enroll-totp',
  verifyTotp: 'verify-totp',
  sendSms: 'send-sms',
  sendWhatsapp: 'send-whatsapp',
  sendEmail: 'send-email',
  verifyCode: 'verify-code',
} as const;

// The defaults of the steps it builds on (totp.register, totp.authenticate, sms.otp, email.otp).
const TOTP_PARAMS: TotpParams = { algorithm: 'SHA1', digits: 6, period: 30 };
const TOTP_WINDOW = { past: 1, future: 1 };
const ENROLL_MAX_ATTEMPTS = 3;
const TOTP_CHECK = { window: TOTP_WINDOW, maxFailedAttempts: 5, lockoutSeconds: 300, allowRecoveryCodes: false, allowSameSessionEnrollment: false };
const OTP_BASE = { codeLength: 6, expirySeconds: 300, maxAttempts: 5, maxResends: 3, resendCooldownSeconds: 30, message: 'Your code is {{code}}' };

const sealContext = (authenticatorId: string) => `authenticator:${authenticatorId}`;

const UNAUTHENTICATED: StepError = {
  code: 'unauthenticated',
  message: 'an authenticator app can only be enrolled for the user this session established (created, named by a trusted caller, or proved)',
};
const ALREADY_REGISTERED: StepError = { code: 'already_registered', message: 'the user already has an authenticator app' };

/** Whether the user challenged is the one this session established (only they may enrol an app). */
const isEstablished = (ctx: Ctx, user: UserRecord): boolean => ctx.auth?.userId === user.id;

interface PendingOtp {
  kind: 'phone' | 'email';
  otp: OtpState;
}

interface ChallengeState {
  [key: string]: unknown;
  enrollment?: { authenticatorId: string; attempts: number; sealedSecret: string };
  pending?: PendingOtp;
}

export const challengeStep = defineStep({
  type: 'challenge',
  offers: {
    enrol: [{ method: 'totp', option: CHALLENGE_OPTIONS.enrollTotp }],
    verify: [
      { method: 'totp', option: CHALLENGE_OPTIONS.verifyTotp },
      // One option checks the pending code, whichever channel it went by.
      { method: 'sms', option: CHALLENGE_OPTIONS.verifyCode },
      { method: 'whatsapp', option: CHALLENGE_OPTIONS.verifyCode },
      { method: 'email', option: CHALLENGE_OPTIONS.verifyCode },
    ],
    send: [
      { channel: 'sms', option: CHALLENGE_OPTIONS.sendSms },
      { channel: 'whatsapp', option: CHALLENGE_OPTIONS.sendWhatsapp },
      { channel: 'email', option: CHALLENGE_OPTIONS.sendEmail },
    ],
  },
  title: 'Challenge',
  category: 'authentication',
  description:
    'Authsignal-style challenge: the client picks any allowed method (authenticator app, with enrolment when allowed, the user is established (created, named by a trusted caller or proved) and has no authenticator yet; SMS, WhatsApp or email one-time code). The TOTP and OTP rules apply unchanged. Phone and email come from $input.attributes, else the user.',
  interactive: true,
  writes: {
    variables: {
      challenge: {
        shape: { type: 'object', additionalProperties: false, properties: { verificationMethod: { type: 'string' }, authenticatorId: { type: ['string', 'null'] }, enrolled: { type: 'boolean' } } },
      },
    },
    auth: {},
  },
  branches: ['success'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      methods: {
        type: 'array',
        items: { type: 'string', enum: CHALLENGE_METHODS },
        minItems: 1,
        uniqueItems: true,
        default: [...CHALLENGE_METHODS],
        title: 'Allowed methods',
      },
      allowEnrollment: { type: 'boolean', default: true, title: 'Allow enrolling an authenticator app' },
      issuer: { type: 'string', minLength: 1, maxLength: 100, title: 'Issuer shown in the app (default: the journey id)' },
    },
  },
  async run(ctx) {
    if (!ctx.user) return ctx.fail({ code: 'user_not_found', message: 'no user to challenge' });
    const user = await ctx.services.users.findById(ctx.user.id);
    if (!user) return ctx.fail({ code: 'user_not_found', message: 'no user to challenge' });
    const methods = ctx.config.methods as ChallengeMethod[];
    const state: ChallengeState = { ...((ctx.state as ChallengeState | undefined) ?? {}) };
    if (!ctx.submission) return ask(ctx, user, methods, state, null);

    const { option, data } = ctx.submission;
    const code = String((data as { code?: unknown }).code ?? '');
    switch (option) {
      case CHALLENGE_OPTIONS.enrollTotp:
        return enroll(ctx, user, methods, state);
      case CHALLENGE_OPTIONS.verifyTotp:
        return state.enrollment ? confirmEnrollment(ctx, user, methods, state, code) : verifyApp(ctx, user, methods, state, code);
      case CHALLENGE_OPTIONS.sendSms:
        return sendCode(ctx, user, methods, state, 'phone', channelsFor('sms', methods));
      case CHALLENGE_OPTIONS.sendWhatsapp:
        return sendCode(ctx, user, methods, state, 'phone', channelsFor('whatsapp', methods));
      case CHALLENGE_OPTIONS.sendEmail:
        return sendCode(ctx, user, methods, state, 'email', ['email']);
      case CHALLENGE_OPTIONS.verifyCode:
        return verifyCode(ctx, user, methods, state, code);
      default:
        return ask(ctx, user, methods, state, { code: 'invalid_option', message: `unknown option "${option}"` });
    }
  },
});

type Ctx = StepContext<any>;

/** The chosen channel first, then the other phone channel when it is allowed too (fallback). */
function channelsFor(first: 'sms' | 'whatsapp', methods: ChallengeMethod[]): MessageChannel[] {
  const other = first === 'sms' ? 'whatsapp' : 'sms';
  return methods.includes(other === 'sms' ? 'SMS' : 'WHATSAPP') ? [first, other] : [first];
}

function otpConfig(kind: 'phone' | 'email', channels: MessageChannel[]): OtpConfig {
  return { ...OTP_BASE, channels };
}

function attribute(ctx: Ctx, name: 'phoneNumber' | 'email', authenticators: AuthenticatorRecord[]): string | null {
  const attributes = (ctx.input as { attributes?: Record<string, unknown> } | null)?.attributes;
  const given = attributes?.[name] ?? ctx.user?.[name];
  if (typeof given === 'string' && given.trim()) return given.trim();
  const type = name === 'phoneNumber' ? 'sms' : 'email';
  const stored = authenticators.find((a) => a.type === type && a.confirmedAt)?.params[name];
  return typeof stored === 'string' ? stored : null;
}

function destinationOf(ctx: Ctx, kind: 'phone' | 'email', authenticators: AuthenticatorRecord[]): OtpDestination | StepError {
  if (kind === 'phone') {
    const phone = attribute(ctx, 'phoneNumber', authenticators);
    const parsed = phone && /^\+[1-9]\d{6,14}$/.test(phone) ? parsePhoneNumberFromString(phone) : undefined;
    if (!parsed || !parsed.isValid()) return { code: 'invalid_phone_number', message: 'no valid E.164 phone number for this user' };
    return { address: parsed.number, masked: maskPhone(parsed.number) };
  }
  const email = attribute(ctx, 'email', authenticators);
  if (!email || !/^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/.test(email)) return { code: 'invalid_email', message: 'no valid email address for this user' };
  return { address: email.toLowerCase(), masked: maskEmail(email.toLowerCase()) };
}

/** Verification methods the user holds (confirmed authenticators). */
export function enrolledMethods(authenticators: AuthenticatorRecord[]): ChallengeMethod[] {
  const methods = new Set<ChallengeMethod>();
  for (const a of authenticators) {
    if (!a.confirmedAt) continue;
    if (a.type === 'totp') methods.add('AUTHENTICATOR_APP');
    if (a.type === 'sms') methods.add((a.params as { channel?: string }).channel === 'whatsapp' ? 'WHATSAPP' : 'SMS');
    if (a.type === 'email') methods.add('EMAIL_OTP');
  }
  return [...methods];
}

async function ask(ctx: Ctx, user: UserRecord, methods: ChallengeMethod[], state: ChallengeState, error: StepError | null, enrollmentShown?: JsonObject): Promise<StepOutcome> {
  const authenticators = await ctx.services.credentials.authenticators.listByUser(user.id);
  const hasApp = authenticators.some((a) => a.type === 'totp' && a.confirmedAt);
  const enrolled = enrolledMethods(authenticators);
  const canEnroll = ctx.config.allowEnrollment && !hasApp && enrolled.length === 0 && isEstablished(ctx, user);
  const hasPhone = !('code' in destinationOf(ctx, 'phone', authenticators));
  const hasEmail = !('code' in destinationOf(ctx, 'email', authenticators));

  const options: ClientOption[] = [];
  const available: ChallengeMethod[] = [];
  if (methods.includes('AUTHENTICATOR_APP')) {
    if (canEnroll || state.enrollment) options.push({ id: CHALLENGE_OPTIONS.enrollTotp, label: 'Set up an authenticator app' });
    if (hasApp || state.enrollment) options.push({ id: CHALLENGE_OPTIONS.verifyTotp, label: 'Enter the code from your authenticator app', schema: codeSchema });
    if (hasApp || canEnroll || state.enrollment) available.push('AUTHENTICATOR_APP');
  }
  if (hasPhone && methods.includes('SMS')) {
    options.push({ id: CHALLENGE_OPTIONS.sendSms, label: 'Text me a code' });
    available.push('SMS');
  }
  if (hasPhone && methods.includes('WHATSAPP')) {
    options.push({ id: CHALLENGE_OPTIONS.sendWhatsapp, label: 'Send a code by WhatsApp' });
    available.push('WHATSAPP');
  }
  if (hasEmail && methods.includes('EMAIL_OTP')) {
    options.push({ id: CHALLENGE_OPTIONS.sendEmail, label: 'Email me a code' });
    available.push('EMAIL_OTP');
  }
  const data: JsonObject = { title: 'Verify it’s you', text: 'Choose how to verify.', methods: available, enrolledMethods: enrolled, isEnrolled: enrolled.length > 0 };
  if (state.pending) {
    const destination = destinationOf(ctx, state.pending.kind, authenticators);
    if (!('code' in destination)) {
      options.unshift({ id: CHALLENGE_OPTIONS.verifyCode, label: 'Verify the code', schema: codeOptionSchema });
      data.otp = otpStatus(otpConfig(state.pending.kind, [state.pending.otp.channel]), destination, state.pending.otp);
      data.text = `Enter the code sent to ${destination.masked} (${state.pending.otp.channel}), or choose another way.`;
    }
  }
  // The enrolment at top level: what the hosted runner shows (the QR code as an image).
  if (enrollmentShown) {
    Object.assign(data, enrollmentShown);
    data.text = 'Scan the QR code with your authenticator app (or enter the secret), then enter the code it shows.';
  }
  if (options.length === 0) return ctx.fail({ code: 'no_method', message: 'no allowed verification method is available for this user' });
  return ctx.ask({ data, options, error, state, sensitive: enrollmentShown !== undefined });
}

/** Shows the enrolment (secret, otpauth URI, QR code) again while it waits for its first code. */
async function enrollmentData(ctx: Ctx, user: UserRecord, state: ChallengeState): Promise<JsonObject | undefined> {
  if (!state.enrollment) return undefined;
  const { authenticatorId } = state.enrollment;
  const secret = ctx.services.credentials.unseal(state.enrollment.sealedSecret, sealContext(authenticatorId));
  const uri = otpauthUri({ issuer: ctx.config.issuer ?? ctx.session.journeyId, account: user.username ?? user.id, secret, ...TOTP_PARAMS });
  return { authenticatorId, secret, uri, qrCode: await qrCodeDataUrl(uri) };
}

/** As totp.register: a pending (unconfirmed) app, confirmed by its first code. */
async function enroll(ctx: Ctx, user: UserRecord, methods: ChallengeMethod[], state: ChallengeState): Promise<StepOutcome> {
  const { credentials } = ctx.services;
  if (state.enrollment) return ask(ctx, user, methods, state, null, await enrollmentData(ctx, user, state));
  // Only the established user enrols, for themselves: a user identified from a typed username proves a factor first.
  if (!isEstablished(ctx, user)) return ask(ctx, user, methods, state, UNAUTHENTICATED);
  const authenticators = await credentials.authenticators.listByUser(user.id);
  if (!ctx.config.allowEnrollment || !methods.includes('AUTHENTICATOR_APP') || enrolledMethods(authenticators).length > 0) {
    return ask(ctx, user, methods, state, { code: 'enrollment_not_allowed', message: 'the user cannot enrol an authenticator app here' });
  }
  const now = ctx.now().toISOString();
  const authenticatorId = randomUUID();
  const secret = newSecret();
  const sealedSecret = credentials.seal(secret, sealContext(authenticatorId));
  await credentials.authenticators.create({
    id: authenticatorId,
    userId: user.id,
    type: 'totp',
    sealedSecret,
    params: { ...TOTP_PARAMS, issuer: ctx.config.issuer ?? ctx.session.journeyId, enrolledInSession: ctx.session.id },
    confirmedAt: null,
    createdAt: now,
    lastUsedAt: null,
    lastTimeStep: null,
  });
  const next: ChallengeState = { ...state, enrollment: { authenticatorId, attempts: 0, sealedSecret } };
  return ask(ctx, user, methods, next, null, await enrollmentData(ctx, user, next));
}

async function confirmEnrollment(ctx: Ctx, user: UserRecord, methods: ChallengeMethod[], state: ChallengeState, code: string): Promise<StepOutcome> {
  const { credentials } = ctx.services;
  const enrollment = state.enrollment!;
  if (!isEstablished(ctx, user)) {
    await credentials.authenticators.delete(user.id, enrollment.authenticatorId);
    return ctx.fail(UNAUTHENTICATED);
  }
  const authenticator = await credentials.authenticators.get(enrollment.authenticatorId);
  if (!authenticator || authenticator.confirmedAt) {
    // Gone: another enrolment of this user was confirmed first (and removed this pending one).
    const hasApp = (await credentials.authenticators.listByUser(user.id)).some((a) => a.type === 'totp' && a.confirmedAt);
    if (hasApp) return ctx.fail(ALREADY_REGISTERED);
    return ctx.fail({ code: 'registration_expired', message: 'the pending authenticator no longer exists' });
  }
  const secret = credentials.unseal(authenticator.sealedSecret!, sealContext(authenticator.id));
  const now = ctx.now().toISOString();
  const timeStep = await verifyTotp({ secret, code, params: TOTP_PARAMS, window: TOTP_WINDOW, now: ctx.now() });
  if (timeStep !== null && (await credentials.authenticators.advanceTimeStep(authenticator.id, timeStep, now))) {
    // Atomic in the store: refused when another app of this user was confirmed since the enrolment began.
    if (!(await credentials.authenticators.confirmEnrolment(authenticator.id, user.id, now, { replaceExisting: false }))) {
      await credentials.authenticators.delete(user.id, authenticator.id);
      return ctx.fail(ALREADY_REGISTERED);
    }
    // A new app proves nothing yet about who enrolled it (enrolment needs an established user).
    return succeed(ctx, 'AUTHENTICATOR_APP', authenticator.id, true, false);
  }
  const attempts = enrollment.attempts + 1;
  if (attempts >= ENROLL_MAX_ATTEMPTS) {
    await credentials.authenticators.delete(user.id, authenticator.id);
    return ctx.fail({ code: 'too_many_attempts', message: 'too many wrong codes: registration cancelled' });
  }
  const next: ChallengeState = { ...state, enrollment: { ...enrollment, attempts } };
  return ask(ctx, user, methods, next, wrongCode(ENROLL_MAX_ATTEMPTS - attempts), await enrollmentData(ctx, user, next));
}

async function verifyApp(ctx: Ctx, user: UserRecord, methods: ChallengeMethod[], state: ChallengeState, code: string): Promise<StepOutcome> {
  if (!methods.includes('AUTHENTICATOR_APP')) return ask(ctx, user, methods, state, { code: 'method_not_allowed', message: 'the authenticator app is not allowed here' });
  const checked = await checkTotpCode(ctx, user, user.username, code, TOTP_CHECK);
  if ('error' in checked) {
    if (checked.error.code === 'locked') return ctx.fail(checked.error);
    return ask(ctx, user, methods, state, checked.error);
  }
  return succeed(ctx, 'AUTHENTICATOR_APP', checked.authenticatorId, false);
}

async function sendCode(ctx: Ctx, user: UserRecord, methods: ChallengeMethod[], state: ChallengeState, kind: 'phone' | 'email', channels: MessageChannel[]): Promise<StepOutcome> {
  const method: ChallengeMethod = kind === 'email' ? 'EMAIL_OTP' : channels[0] === 'whatsapp' ? 'WHATSAPP' : 'SMS';
  if (!methods.includes(method)) return ask(ctx, user, methods, state, { code: 'method_not_allowed', message: `${method} is not allowed here` });
  const authenticators = await ctx.services.credentials.authenticators.listByUser(user.id);
  const destination = destinationOf(ctx, kind, authenticators);
  if ('code' in destination) return ask(ctx, user, methods, state, destination);
  const config = otpConfig(kind, channels);
  // A code already sent: any new one (another channel or method included) is a resend, with its limits.
  const previous = state.pending?.otp;
  if (previous && !resendAvailable(config, previous, ctx.now())) {
    return ask(ctx, user, methods, state, { code: 'resend_unavailable', message: 'a new code cannot be sent yet' });
  }
  const counts = previous ? { attempts: previous.attempts, resends: previous.resends + 1 } : { attempts: 0, resends: 0 };
  const sent = await deliverOtpCode(ctx, config, destination, kind === 'email' ? 'Your verification code' : 'Your code', channels, counts);
  if ('error' in sent) return ctx.fail(sent.error);
  return ask(ctx, user, methods, { ...state, pending: { kind, otp: sent.state } }, null);
}

async function verifyCode(ctx: Ctx, user: UserRecord, methods: ChallengeMethod[], state: ChallengeState, code: string): Promise<StepOutcome> {
  const pending = state.pending;
  if (!pending) return ask(ctx, user, methods, state, { code: 'no_code_sent', message: 'no code has been sent yet' });
  const checked = checkOtpCode(ctx, otpConfig(pending.kind, [pending.otp.channel]), pending.otp, code);
  if (checked.result === 'failed') return ctx.fail(checked.error);
  if (checked.result === 'retry') return ask(ctx, user, methods, { ...state, pending: { ...pending, otp: checked.state } }, checked.error);

  // A verified destination becomes (or refreshes) the user's SMS or email authenticator.
  const { credentials } = ctx.services;
  const authenticators = await credentials.authenticators.listByUser(user.id);
  const destination = destinationOf(ctx, pending.kind, authenticators) as OtpDestination;
  const type = pending.kind === 'phone' ? 'sms' : 'email';
  const key = pending.kind === 'phone' ? 'phoneNumber' : 'email';
  const channel = pending.otp.channel;
  let authenticator = authenticators.find((a) => a.type === type && a.params[key] === destination.address);
  if (!authenticator) {
    const now = ctx.now().toISOString();
    authenticator = {
      id: randomUUID(),
      userId: user.id,
      type,
      sealedSecret: null,
      params: { [key]: destination.address, channel },
      confirmedAt: now,
      createdAt: now,
      lastUsedAt: now,
      lastTimeStep: null,
    };
    await credentials.authenticators.create(authenticator);
  }
  const method: ChallengeMethod = channel === 'email' ? 'EMAIL_OTP' : channel === 'whatsapp' ? 'WHATSAPP' : 'SMS';
  return succeed(ctx, method, authenticator.id, false, provesFactorFor(ctx.user, ctx.auth, destination.address));
}

/** The RFC 8176 method a challenge proved: an app code is `otp`; a code sent is `sms` or `email`. */
const PROVED: Record<ChallengeMethod, AuthMethod> = { AUTHENTICATOR_APP: 'otp', SMS: 'sms', WHATSAPP: 'sms', EMAIL_OTP: 'email' };

/** The same in the SDK's neutral words, for the token's `method` claim (what integrations read). */
const PROOF_METHOD: Record<ChallengeMethod, ProofMethod> = { AUTHENTICATOR_APP: 'totp', SMS: 'sms', WHATSAPP: 'whatsapp', EMAIL_OTP: 'email' };

function succeed(ctx: Ctx, verificationMethod: ChallengeMethod, authenticatorId: string, enrolled: boolean, proves = true): StepOutcome {
  return ctx.branch('success', {
    ...(proves ? { proved: PROVED[verificationMethod] } : {}),
    variables: { challenge: { verificationMethod, authenticatorId, enrolled } },
    tokens: [{ type: 'challenge', claims: { userId: ctx.user!.id, verificationMethod, method: PROOF_METHOD[verificationMethod], authenticatorId, enrolled } }],
  });
}
