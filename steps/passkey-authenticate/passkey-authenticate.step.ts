import { generateAuthenticationOptions, verifyAuthenticationResponse, type AuthenticationResponseJSON } from '@simplewebauthn/server';
import { defineStep, toUserContext, type AuthenticatorRecord, type ConfigOf, type StepContext, type StepError, type StepOutcome, type UserRecord } from '../../engine/sdk.js';
import {
  CANCEL_OPTION,
  ERRORS,
  challengeState,
  clientLimitKey,
  clientLimitSchema,
  credentialSchema,
  isPasskey,
  paramsOf,
  reserveAttempt,
  submittedCredential,
  timeoutSchema,
  userIdOfHandle,
  userVerificationSchema,
  type ChallengeState,
} from '../passkey-common/passkeys.js';
import { outputVariableSchema } from '../shared-schemas.js';

const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    username: { type: 'string', minLength: 1, title: 'Username (default: the established user, else none: the passkey names the user)' },
    userVerification: { ...userVerificationSchema, default: 'required' },
    timeoutSeconds: timeoutSchema,
    clientLimit: clientLimitSchema,
    outputVariable: outputVariableSchema,
    autofill: {
      type: 'boolean',
      default: false,
      title: 'Offer passkeys in the username field (conditional UI); a typed username takes branch username',
    },
    skipLabel: { type: 'string', minLength: 1, maxLength: 100, title: 'Label of an "another way" option (branch skipped); none when absent' },
  },
} as const;

type Ctx = StepContext<ConfigOf<typeof configSchema>>;

/** The username option of `autofill`: the field the browser offers passkeys in. */
const usernameSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['username'],
  properties: { username: { type: 'string', minLength: 1, maxLength: 256, title: 'Username' } },
};

export const passkeyAuthenticateStep = defineStep({
  type: 'passkey.authenticate',
  offers: { verify: [{ method: 'passkey', option: 'verify' }] },
  title: 'Sign in with a passkey',
  category: 'authentication',
  description:
    'Checks a passkey (WebAuthn). Without a username the passkey names the user (discoverable credentials); with one (or an established user) only their passkeys are allowed. Step data { options } for navigator.credentials.get; option verify { credential }. On success the user context becomes the passkey\'s user, with amr hwk (device-bound) or swk (synced). Refused answers (invalid_credential, unknown_credential, counter_mismatch, not_allowed, rate_limited) keep the step with a new challenge; failures are limited per client address, never per credential.',
  interactive: true,
  writes: {
    output: [
      { branches: ['success'], shape: { type: 'object', additionalProperties: false, properties: { authenticatorId: { type: 'string' } } } },
      { branches: ['username'], shape: { type: 'object', additionalProperties: false, properties: { username: { type: 'string' } } } },
    ],
    user: { branches: ['success'] },
    auth: { branches: ['success'] },
  },
  branches: ['success', 'username', 'skipped'],
  configSchema,
  async run(ctx) {
    const allowed = await allowedUser(ctx);
    // A username that names no one is asked all the same; no passkey can match it.
    const user = allowed === 'unknown' ? null : allowed;
    if (!ctx.submission) return askToSignIn(ctx, user, null);

    if (ctx.submission.option === 'skip') return ctx.branch('skipped');
    if (ctx.submission.option === 'username') {
      const username = String((ctx.submission.data as { username?: unknown }).username ?? '');
      return ctx.branch('username', { output: { username } });
    }
    if (ctx.submission.option === CANCEL_OPTION.id) return askToSignIn(ctx, user, ERRORS.not_allowed);

    const limited = await reserveAttempt(ctx, ctx.config.clientLimit);
    if (limited) return askToSignIn(ctx, user, limited);
    const state = ctx.state as ChallengeState | undefined;
    const checked = await check(ctx, allowed, state);
    if ('error' in checked) return askToSignIn(ctx, user, checked.error);

    await ctx.services.limits.succeeded(clientLimitKey(ctx), ctx.config.clientLimit);
    const { owner, authenticator } = checked;
    return ctx.branch('success', {
      user: toUserContext(owner),
      proved: paramsOf(authenticator).backupEligible ? 'swk' : 'hwk',
      output: { authenticatorId: authenticator.id },
      tokens: [{ type: 'passkey', claims: { userId: owner.id, authenticatorId: authenticator.id, method: 'passkey' } }],
    });
  },
});

/**
 * Whose passkeys are allowed: the user `username` names, else the established user, else anyone's
 * (null: the passkey names its user). `'unknown'` when `username` names no one.
 */
async function allowedUser(ctx: Ctx): Promise<UserRecord | null | 'unknown'> {
  if (ctx.config.username !== undefined) return (await ctx.services.users.findByUsername(ctx.config.username)) ?? 'unknown';
  if (ctx.auth) return (await ctx.services.users.findById(ctx.auth.userId)) ?? 'unknown';
  return null;
}

async function passkeysOf(ctx: Ctx, userId: string): Promise<AuthenticatorRecord[]> {
  return (await ctx.services.credentials.authenticators.listByUser(userId)).filter(isPasskey);
}

/** Verifies the answer against the challenge of the ask and the stored passkey; advances its counter. */
async function check(
  ctx: Ctx,
  allowed: UserRecord | null | 'unknown',
  state: ChallengeState | undefined,
): Promise<{ owner: UserRecord; authenticator: AuthenticatorRecord } | { error: StepError }> {
  if (typeof state?.challenge !== 'string' || ctx.now().toISOString() > state.expiresAt) return { error: ERRORS.expired };
  const credential = submittedCredential(ctx);
  const response = credential?.response as { userHandle?: unknown } | undefined;
  if (!credential || typeof credential.id !== 'string' || !response || typeof response !== 'object') return { error: ERRORS.invalid_credential };

  // The passkey names its user by its user handle (discoverable); an allowed user must be that one.
  const handle = typeof response.userHandle === 'string' && response.userHandle ? userIdOfHandle(response.userHandle) : null;
  if (allowed === 'unknown') return { error: ERRORS.unknown_credential };
  if (allowed && handle !== null && handle !== allowed.id) return { error: ERRORS.unknown_credential };
  const owner = allowed ?? (handle ? await ctx.services.users.findById(handle) : null);
  if (!owner) return { error: ERRORS.unknown_credential };
  const authenticator = (await passkeysOf(ctx, owner.id)).find((a) => paramsOf(a).credentialId === credential.id);
  if (!authenticator) return { error: ERRORS.unknown_credential };

  const params = paramsOf(authenticator);
  const { relyingParty } = ctx.services;
  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response: credential as unknown as AuthenticationResponseJSON,
      expectedChallenge: state.challenge,
      expectedOrigin: [...relyingParty.origins],
      expectedRPID: relyingParty.id,
      // The counter is judged below (0 → 0 is legal), after the signature proved the answer genuine.
      credential: { id: params.credentialId, publicKey: Buffer.from(params.publicKey, 'base64url'), counter: 0, transports: params.transports as never },
      requireUserVerification: ctx.config.userVerification === 'required',
    });
  } catch {
    return { error: ERRORS.invalid_credential };
  }
  if (!verification.verified) return { error: ERRORS.invalid_credential };

  const info = verification.authenticationInfo;
  const stored = authenticator.signCount ?? 0;
  if (stored > 0 && info.newCounter <= stored) return { error: ERRORS.counter_mismatch };
  const updated = { ...authenticator.params, backedUp: info.credentialBackedUp };
  // Compare-and-set: two answers with the same counter (a clone racing its original) pass once.
  if (!(await ctx.services.credentials.authenticators.advanceSignCount(authenticator.id, info.newCounter, updated, ctx.now().toISOString()))) {
    return { error: ERRORS.counter_mismatch };
  }
  return { owner, authenticator };
}

function decoyCredentialId(ctx: Ctx): string {
  const name = ctx.config.username ?? ctx.auth?.userId ?? '';
  const digest = ctx.services.credentials.keyedHash('passkey-decoy', name.normalize('NFC').toLowerCase()).split('.').pop()!;
  return Buffer.from(digest, 'base64url').subarray(0, 16).toString('base64url');
}

/** Asks for a passkey under a fresh challenge (every answer, right or wrong, spends the last one). */
async function askToSignIn(ctx: Ctx, user: UserRecord | null, error: StepError | null): Promise<StepOutcome> {
  const named = ctx.config.username !== undefined || ctx.auth !== null;
  const allowCredentials = user ? (await passkeysOf(ctx, user.id)).map((a) => ({ id: paramsOf(a).credentialId, transports: paramsOf(a).transports as never })) : [];
  // A named user with no passkey (or no such user): a decoy, the same for the same name, so the
  // options look like anyone's and the browser offers no other account's passkey.
  if (named && allowCredentials.length === 0) allowCredentials.push({ id: decoyCredentialId(ctx), transports: ['internal'] as never });
  const options = await generateAuthenticationOptions({
    rpID: ctx.services.relyingParty.id,
    allowCredentials,
    userVerification: ctx.config.userVerification,
    timeout: ctx.config.timeoutSeconds * 1000,
  });
  const autofill = ctx.config.autofill && !named;
  return ctx.ask({
    data: { options: options as never, ...(autofill ? { autofill: true } : {}) },
    options: [
      { id: 'verify', label: 'Sign in with a passkey', schema: credentialSchema },
      CANCEL_OPTION,
      ...(autofill ? [{ id: 'username', label: 'Continue', schema: usernameSchema }] : []),
      ...(ctx.config.skipLabel ? [{ id: 'skip', label: ctx.config.skipLabel }] : []),
    ],
    error,
    state: challengeState(ctx, options.challenge, ctx.config.timeoutSeconds),
  });
}
