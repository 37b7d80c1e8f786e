import { randomUUID } from 'node:crypto';
import { defineStep } from '../../engine/steps/define-step.js';
import type { StepContext, UserRecord } from '../../engine/steps/step-types.js';
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

const sealContext = (authenticatorId: string) => `authenticator:${authenticatorId}`;

export const totpRegisterStep = defineStep({
  type: 'totp.register',
  title: 'Register TOTP',
  category: 'authentication',
  description:
    'Enrols an authenticator app for the user in context (or config.username): shows the secret, its otpauth URI and a QR code (and recovery codes), then asks for a first code to confirm, unless confirm is false.',
  interactive: true,
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
      const user = await resolveUser(ctx);
      if (!user) return ctx.fail({ code: 'user_not_found', message: 'no user to register an authenticator app for' });
      const existing = (await credentials.authenticators.listByUser(user.id)).filter((a) => a.type === 'totp' && a.confirmedAt);
      if (existing.length > 0 && !ctx.config.replaceExisting) {
        return ctx.fail({ code: 'already_registered', message: 'the user already has an authenticator app' });
      }
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
        confirmedAt: ctx.config.confirm ? null : now,
        createdAt: now,
        lastUsedAt: null,
        lastTimeStep: null,
      });
      const recoveryCodes = newRecoveryCodes(ctx.config.recoveryCodes);
      if (!ctx.config.confirm) await activate(ctx, user.id, authenticatorId, recoveryCodes);
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
    const authenticator = await credentials.authenticators.get(state.authenticatorId);
    if (!authenticator) return ctx.fail({ code: 'registration_expired', message: 'the pending authenticator no longer exists' });
    const secret = credentials.unseal(authenticator.sealedSecret!, sealContext(authenticator.id));
    const recoveryCodes = JSON.parse(credentials.unseal(state.sealedRecoveryCodes, sealContext(authenticator.id))) as string[];

    if (!ctx.config.confirm) return ctx.branch('success', { output: { authenticatorId: authenticator.id } });

    const code = String((ctx.submission.data as { code?: unknown }).code ?? '');
    const params = authenticator.params as unknown as TotpParams;
    const timeStep = await verifyTotp({ secret, code, params, window: ctx.config.window, now: ctx.now() });
    if (timeStep !== null && (await credentials.authenticators.advanceTimeStep(authenticator.id, timeStep, now))) {
      await credentials.authenticators.confirm(authenticator.id, now);
      await activate(ctx, state.userId, authenticator.id, recoveryCodes);
      return ctx.branch('success', { output: { authenticatorId: authenticator.id } });
    }
    const attempts = state.attempts + 1;
    if (attempts >= ctx.config.maxAttempts) {
      await credentials.authenticators.delete(state.userId, authenticator.id);
      return ctx.fail({ code: 'too_many_attempts', message: 'too many wrong codes: registration cancelled' });
    }
    return askForConfirmation(ctx, { ...state, attempts }, secret, recoveryCodes, {
      code: 'invalid_code',
      message: `the code is not valid: ${ctx.config.maxAttempts - attempts} attempt(s) left`,
    });
  },
});

type Ctx = Parameters<typeof totpRegisterStep.run>[0];

async function resolveUser(ctx: Ctx): Promise<UserRecord | null> {
  if (ctx.config.username !== undefined) return ctx.services.users.findByUsername(ctx.config.username);
  return ctx.user ? ctx.services.users.findById(ctx.user.id) : null;
}

/** The authenticator becomes the user's: older TOTP apps go when replacing, recovery codes are stored hashed. */
async function activate(ctx: Ctx, userId: string, authenticatorId: string, recoveryCodes: string[]): Promise<void> {
  const { credentials } = ctx.services;
  if (ctx.config.replaceExisting) {
    for (const other of await credentials.authenticators.listByUser(userId)) {
      if (other.type === 'totp' && other.id !== authenticatorId) await credentials.authenticators.delete(userId, other.id);
    }
  }
  if (recoveryCodes.length > 0) {
    await credentials.recoveryCodes.replace(userId, await hashRecoveryCodes(userId, recoveryCodes, ctx.now().toISOString()));
  }
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
