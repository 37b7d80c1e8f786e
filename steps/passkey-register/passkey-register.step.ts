import { randomUUID } from 'node:crypto';
import { generateRegistrationOptions, verifyRegistrationResponse, type RegistrationResponseJSON } from '@simplewebauthn/server';
import { defineStep, type ConfigOf, type StepContext, type StepOutcome, type UserRecord } from '../../engine/sdk.js';
import {
  CANCEL_OPTION,
  ERRORS,
  PASSKEY_TYPE,
  challengeState,
  clientLimitKey,
  clientLimitSchema,
  credentialSchema,
  isPasskey,
  paramsOf,
  reserveAttempt,
  submittedCredential,
  timeoutSchema,
  userHandleOf,
  userVerificationSchema,
  type ChallengeState,
  type PasskeyParams,
} from '../passkey-common/passkeys.js';
import { outputVariableSchema } from '../shared-schemas.js';

const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    username: { type: 'string', minLength: 1, title: 'Username (default: the user in context)' },
    name: { type: 'string', minLength: 1, maxLength: 100, default: 'Passkey', title: 'Name of the passkey (shown to admins)' },
    userVerification: userVerificationSchema,
    authenticatorAttachment: { type: 'string', enum: ['platform', 'cross-platform'], title: 'Authenticator kind (default: any)' },
    timeoutSeconds: timeoutSchema,
    clientLimit: clientLimitSchema,
    outputVariable: outputVariableSchema,
    skipLabel: { type: 'string', minLength: 1, maxLength: 100, title: 'Label of a "not now" option (branch skipped); none when absent' },
  },
} as const;

type Ctx = StepContext<ConfigOf<typeof configSchema>>;

export const passkeyRegisterStep = defineStep({
  type: 'passkey.register',
  offers: { enrol: [{ method: 'passkey', option: 'register' }] },
  title: 'Register a passkey',
  category: 'authentication',
  description:
    'Creates a passkey (WebAuthn, discoverable) for the established user (created by this session, named by a trusted caller, or proved by a factor; config.username may only name that user, else it fails unauthenticated). Step data { options } for navigator.credentials.create; option register { credential }. Refused answers (invalid_credential, not_allowed, rate_limited) keep the step with a new challenge.',
  interactive: true,
  writes: {
    output: {
      branches: ['success'],
      shape: { type: 'object', additionalProperties: false, properties: { authenticatorId: { type: 'string' }, credentialId: { type: 'string' }, backupEligible: { type: 'boolean' } } },
    },
  },
  branches: ['success', 'skipped'],
  configSchema,
  async run(ctx) {
    if (!ctx.submission) {
      // Only the established user adds a passkey, and only for themselves: one identified from a
      // typed username must prove a factor first (else anyone could attach a passkey to their account).
      if (!ctx.auth) return ctx.fail(UNAUTHENTICATED);
      const user = await resolveUser(ctx, ctx.auth.userId);
      if (user === 'other') return ctx.fail(UNAUTHENTICATED);
      if (!user) return ctx.fail({ code: 'user_not_found', message: 'no user to register a passkey for' });
      return askToCreate(ctx, user, null);
    }

    const state = ctx.state as (ChallengeState & { userId: string }) | undefined;
    if (!state || ctx.auth?.userId !== state.userId) return ctx.fail(UNAUTHENTICATED);
    const user = await ctx.services.users.findById(state.userId);
    if (!user) return ctx.fail({ code: 'user_not_found', message: 'no user to register a passkey for' });
    if (ctx.submission.option === 'skip') return ctx.branch('skipped');
    if (ctx.submission.option === CANCEL_OPTION.id) return askToCreate(ctx, user, ERRORS.not_allowed);

    const limited = await reserveAttempt(ctx, ctx.config.clientLimit);
    if (limited) return askToCreate(ctx, user, limited);
    if (ctx.now().toISOString() > state.expiresAt) return askToCreate(ctx, user, ERRORS.expired);
    const { relyingParty } = ctx.services;
    let verification;
    try {
      verification = await verifyRegistrationResponse({
        response: submittedCredential(ctx) as unknown as RegistrationResponseJSON,
        expectedChallenge: state.challenge,
        expectedOrigin: [...relyingParty.origins],
        expectedRPID: relyingParty.id,
        requireUserVerification: ctx.config.userVerification === 'required',
      });
    } catch {
      return askToCreate(ctx, user, ERRORS.invalid_credential);
    }
    if (!verification.verified) return askToCreate(ctx, user, ERRORS.invalid_credential);
    const info = verification.registrationInfo;
    const existing = (await ctx.services.credentials.authenticators.listByUser(user.id)).filter(isPasskey);
    if (existing.some((a) => paramsOf(a).credentialId === info.credential.id)) {
      return askToCreate(ctx, user, { code: 'already_registered', message: 'this passkey is already registered' });
    }

    const now = ctx.now().toISOString();
    const params: PasskeyParams = {
      credentialId: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      transports: info.credential.transports ?? [],
      backupEligible: info.credentialDeviceType === 'multiDevice',
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
      name: ctx.config.name,
    };
    const authenticatorId = randomUUID();
    await ctx.services.credentials.authenticators.create({
      id: authenticatorId,
      userId: user.id,
      type: PASSKEY_TYPE,
      sealedSecret: null,
      params: { ...params },
      confirmedAt: now,
      createdAt: now,
      lastUsedAt: null,
      lastTimeStep: null,
      signCount: info.credential.counter,
    });
    await ctx.services.limits.succeeded(clientLimitKey(ctx), ctx.config.clientLimit);
    return ctx.branch('success', { output: { authenticatorId, credentialId: params.credentialId, backupEligible: params.backupEligible } });
  },
});

const UNAUTHENTICATED = {
  code: 'unauthenticated',
  message: 'a passkey can only be registered for the user this session established (created, named by a trusted caller, or proved)',
};

/** The user to enrol: the established one; `'other'` when config.username names anyone else (or no one). */
async function resolveUser(ctx: Ctx, establishedId: string): Promise<UserRecord | 'other' | null> {
  if (ctx.config.username !== undefined) {
    const named = await ctx.services.users.findByUsername(ctx.config.username);
    return named && named.id === establishedId ? named : 'other';
  }
  return ctx.services.users.findById(establishedId);
}

/** Asks for a new passkey under a fresh challenge (every answer, right or wrong, spends the last one). */
async function askToCreate(ctx: Ctx, user: UserRecord, error: { code: string; message: string } | null): Promise<StepOutcome> {
  const existing = (await ctx.services.credentials.authenticators.listByUser(user.id)).filter(isPasskey);
  const displayName = typeof user.attributes.displayName === 'string' ? user.attributes.displayName : (user.username ?? user.id);
  const options = await generateRegistrationOptions({
    rpName: ctx.services.relyingParty.name,
    rpID: ctx.services.relyingParty.id,
    userName: user.username ?? user.id,
    userID: userHandleOf(user.id),
    userDisplayName: displayName,
    timeout: ctx.config.timeoutSeconds * 1000,
    attestationType: 'none',
    excludeCredentials: existing.map((a) => ({ id: paramsOf(a).credentialId, transports: paramsOf(a).transports as never })),
    authenticatorSelection: {
      residentKey: 'required',
      requireResidentKey: true,
      userVerification: ctx.config.userVerification,
      ...(ctx.config.authenticatorAttachment ? { authenticatorAttachment: ctx.config.authenticatorAttachment } : {}),
    },
    // ES256 and RS256 only: pinned, the ones every platform authenticator offers.
    supportedAlgorithmIDs: [-7, -257],
  });
  return ctx.ask({
    data: { options: options as never },
    options: [
      { id: 'register', label: 'Create a passkey', schema: credentialSchema },
      CANCEL_OPTION,
      ...(ctx.config.skipLabel ? [{ id: 'skip', label: ctx.config.skipLabel }] : []),
    ],
    error,
    state: { ...challengeState(ctx, options.challenge, ctx.config.timeoutSeconds), userId: user.id },
  });
}
