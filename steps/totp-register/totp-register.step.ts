import { randomUUID } from 'node:crypto';
import { defineStep, type StepContext, type UserRecord } from '../../engine/sdk.js';
import { codeSchema, windowSchema } from '../totp-common/config.js';
import {
  hashRecoveryCodes,
  newRecoveryCodes,
  newSecret,
  otpauthUri,
  qrCodeDataUrl,
  verifyTotp,
  type TotpParams,
} from '../totp-common/totp.js';
import { wrongCode } from '../otp-common/wrong-code.js';

const sealContext = (authenticatorId: string) => `authenticator:${authenticatorId}`;

export const totpRegisterStep = defineStep({
  type: 'totp.register',
  // Shows the new app's secret on entry; `confirm` takes its first code (when the config asks for one).
  offers: { enrol: [{ method: 'totp' }], verify: [{ method: 'totp', option: 'confirm' }] },
  title: 'Register TOTP',
  category: 'authentication',
  description:
    'Enrols an authenticator app for the established user (created by this session, named by a trusted caller, or proved by a factor; config.username may only name that user, else it fails unauthenticated): shows the secret, its otpauth URI and a QR code (and recovery codes), then asks for a first code to confirm, unless confirm is false. The confirmation fails already_registered when another app was confirmed meanwhile.',
  interactive: true,
  writes: {},
  branches: ['success'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['issuer'],
    properties: {
      issuer: { type: 'string', minLength: 1, maxLength: 100, title: 'Issuer (shown in the app)' },
      username: { type: 'string', minLength: 1, title: 'Username (default: the user in context)' },
      label: { type: 'string', minLength: 1, maxLength: 200, title: 'Account label (default: the username)' },
      algorithm: { type: 'string', enum: ['SHA1', 'SHA256', 'SHA512'], default: 'SHA1', title: 'Algorithm' },
      digits: { type: 'integer', enum: [6, 8], default: 6, title: 'Digits' },
      period: { type: 'integer', minimum: 15, maximum: 120, default: 30, title: 'Period (seconds)' },
      window: windowSchema,
      confirm: { type: 'boolean', default: true, title: 'Ask for a code to confirm' },
      maxAttempts: { type: 'integer', minimum: 1, maximum: 10, default: 3, title: 'Confirmation attempts' },
      recoveryCodes: { type: 'integer', minimum: 0, maximum: 20, default: 10, title: 'Recovery codes' },
      replaceExisting: { type: 'boolean', default: false, title: 'Replace an existing authenticator app' },
    },
  },
  async run(ctx) {
    const { credentials } = ctx.services;
    const now = ctx.now().toISOString();

    if (!ctx.submission) {
      // Only the established user enrols an app, and only for themselves: a user identified from a
      // typed username must prove a factor first (else anyone could attach an app to their account).
      if (!ctx.auth) return ctx.fail(UNAUTHENTICATED);
      const user = await resolveUser(ctx, ctx.auth.userId);
      if (user === 'other') return ctx.fail(UNAUTHENTICATED);
      if (!user) return ctx.fail({ code: 'user_not_found', message: 'no user to register an authenticator app for' });
      // Checked again, atomically, when the app is confirmed (another session may enrol meanwhile).
      if (!ctx.config.replaceExisting && (await hasConfirmedApp(ctx, user.id))) return ctx.fail(ALREADY_REGISTERED);
      const params: TotpParams = { algorithm: ctx.config.algorithm, digits: ctx.config.digits as 6 | 8, period: ctx.config.period };
      const authenticatorId = randomUUID();
      const secret = newSecret();
      await credentials.authenticators.create({
        id: authenticatorId,
        userId: user.id,
        type: 'totp',
        sealedSecret: credentials.seal(secret, sealContext(authenticatorId)),
        // The session that enrolled it: authentication in this same session can refuse it.
        params: { ...params, issuer: ctx.config.issuer, enrolledInSession: ctx.session.id },
        confirmedAt: null,
        createdAt: now,
        lastUsedAt: null,
        lastTimeStep: null,
      });
      const recoveryCodes = newRecoveryCodes(ctx.config.recoveryCodes);
      if (!ctx.config.confirm && !(await activate(ctx, user.id, authenticatorId, recoveryCodes))) return ctx.fail(ALREADY_REGISTERED);
      const state = {
        authenticatorId,
        userId: user.id,
        account: ctx.config.label ?? user.username ?? user.id,
        attempts: 0,
        sealedRecoveryCodes: credentials.seal(JSON.stringify(recoveryCodes), sealContext(authenticatorId)),
      };
      return askForConfirmation(ctx, state, secret, recoveryCodes, null);
    }

    const state = ctx.state as { authenticatorId: string; userId: string; account: string; attempts: number; sealedRecoveryCodes: string };
    if (ctx.auth?.userId !== state.userId) {
      if (ctx.config.confirm) await credentials.authenticators.delete(state.userId, state.authenticatorId);
      return ctx.fail(UNAUTHENTICATED);
    }
    const authenticator = await credentials.authenticators.get(state.authenticatorId);
    if (!ctx.config.confirm) {
      if (!authenticator) return ctx.fail({ code: 'registration_expired', message: 'the authenticator no longer exists' });
      return ctx.branch('success', { output: { authenticatorId: authenticator.id } });
    }
    if (!authenticator || authenticator.confirmedAt) {
      // Gone: another enrolment of this user was confirmed first (and removed this pending one).
      if (!ctx.config.replaceExisting && (await hasConfirmedApp(ctx, state.userId))) return ctx.fail(ALREADY_REGISTERED);
      return ctx.fail({ code: 'registration_expired', message: 'the pending authenticator no longer exists' });
    }
    const secret = credentials.unseal(authenticator.sealedSecret!, sealContext(authenticator.id));
    const recoveryCodes = JSON.parse(credentials.unseal(state.sealedRecoveryCodes, sealContext(authenticator.id))) as string[];

    const code = String((ctx.submission.data as { code?: unknown }).code ?? '');
    const params = authenticator.params as unknown as TotpParams;
    const timeStep = await verifyTotp({ secret, code, params, window: ctx.config.window, now: ctx.now() });
    if (timeStep !== null && (await credentials.authenticators.advanceTimeStep(authenticator.id, timeStep, now))) {
      if (!(await activate(ctx, state.userId, authenticator.id, recoveryCodes))) return ctx.fail(ALREADY_REGISTERED);
      return ctx.branch('success', { output: { authenticatorId: authenticator.id } });
    }
    const attempts = state.attempts + 1;
    if (attempts >= ctx.config.maxAttempts) {
      await credentials.authenticators.delete(state.userId, authenticator.id);
      return ctx.fail({ code: 'too_many_attempts', message: 'too many wrong codes: registration cancelled' });
    }
    return askForConfirmation(ctx, { ...state, attempts }, secret, recoveryCodes, wrongCode(ctx.config.maxAttempts - attempts));
  },
});

const UNAUTHENTICATED = {
  code: 'unauthenticated',
  message: 'an authenticator app can only be registered for the user this session established (created, named by a trusted caller, or proved)',
};
const ALREADY_REGISTERED = { code: 'already_registered', message: 'the user already has an authenticator app' };

type Ctx = Parameters<typeof totpRegisterStep.run>[0];

/** The user to enrol: the established one; `'other'` when config.username names anyone else (or no one). */
async function resolveUser(ctx: Ctx, establishedId: string): Promise<UserRecord | 'other' | null> {
  if (ctx.config.username !== undefined) {
    const named = await ctx.services.users.findByUsername(ctx.config.username);
    return named && named.id === establishedId ? named : 'other';
  }
  return ctx.services.users.findById(establishedId);
}

async function hasConfirmedApp(ctx: Ctx, userId: string): Promise<boolean> {
  return (await ctx.services.credentials.authenticators.listByUser(userId)).some((a) => a.type === 'totp' && a.confirmedAt);
}

/**
 * The pending app becomes the user's, atomically in the store: refused (false, nothing changed)
 * when another app was confirmed meanwhile, unless replacing (older apps then go); the user's other
 * pending apps go, and recovery codes (stored hashed) replace the old ones.
 */
async function activate(ctx: Ctx, userId: string, authenticatorId: string, recoveryCodes: string[]): Promise<boolean> {
  const now = ctx.now().toISOString();
  const confirmed = await ctx.services.credentials.authenticators.confirmEnrolment(authenticatorId, userId, now, {
    replaceExisting: ctx.config.replaceExisting,
    ...(recoveryCodes.length > 0 ? { recoveryCodes: await hashRecoveryCodes(userId, recoveryCodes, now) } : {}),
  });
  if (!confirmed) await ctx.services.credentials.authenticators.delete(userId, authenticatorId);
  return confirmed;
}

async function askForConfirmation(
  ctx: StepContext<any>,
  state: { authenticatorId: string; account: string } & Record<string, unknown>,
  secret: string,
  recoveryCodes: string[],
  error: { code: string; message: string } | null,
) {
  const config = ctx.config as { issuer: string; algorithm: 'SHA1' | 'SHA256' | 'SHA512'; digits: 6 | 8; period: number; confirm: boolean };
  const uri = otpauthUri({ issuer: config.issuer, account: state.account, secret, algorithm: config.algorithm, digits: config.digits, period: config.period });
  return ctx.ask({
    data: { secret, uri, qrCode: await qrCodeDataUrl(uri), ...(recoveryCodes.length ? { recoveryCodes } : {}) },
    options: config.confirm ? [{ id: 'confirm', label: 'Confirm', schema: codeSchema }] : [{ id: 'continue', label: 'Continue' }],
    error,
    state,
    sensitive: true,
  });
}
