/**
 * The public step SDK: the one module a step type imports from the engine, built-in (`steps/`) or
 * custom (`CUSTOM_STEPS`). Everything a step can do goes through what is listed here (mostly the
 * `ctx` handed to `run`), so a built-in step can do nothing a custom step cannot, and the engine's
 * internals can move without breaking steps. test/architecture/dependency-rules.test.ts keeps the
 * steps under `steps/` to this module.
 *
 * Each export is named on purpose: add to this list only what a step legitimately needs, and
 * document it in docs/custom-steps.md.
 */

// Declaring a step type.
export { defineStep, type ConfigOf } from './steps/define-step.js';
export type { BranchDeclaration, JsonSchema, StepCategory, StepDefinition } from './steps/step-types.js';
// What a step writes (`writes` of the definition), for the validator's data-flow checks.
export type { StepWrites, WriteDeclaration } from './steps/step-types.js';

// What a step offers a client that picks how to prove who it is (`offers` of the definition).
export { PROOF_METHODS } from './steps/step-types.js';
export type { ProofMethod, StepOffers } from './steps/step-types.js';

// Work that waits off the event loop (thread-pool hashing such as argon2 or scrypt): its wall time
// is not charged to the run's CPU budget, which bounds what a request does on the event loop.
export { uncharged } from './runtime/run-scope.js';

// What `run(ctx)` receives and what it answers.
export type {
  AskRequest,
  BranchEffects,
  ClientOption,
  IssuedToken,
  SessionInfo,
  StepContext,
  StepError,
  StepOutcome,
  Submission,
} from './steps/step-types.js';

// Users and what a session proved about them (`ctx.user`, `ctx.auth`, `ctx.services.users`).
export { AUTH_METHODS, provesFactorFor, toUserContext } from './steps/step-types.js';
export type { AuthMethod, AuthState, UserContext, UserDirectory, UserRecord } from './steps/step-types.js';

// The services the engine lends to steps (`ctx.services`), with the errors they throw.
export { MessagingError, OutboundHttpError } from './steps/step-types.js';
export type {
  EmailLinkStatus,
  EmailLinks,
  FailureLimit,
  FailureLimits,
  JourneyCall,
  JourneyCalls,
  MessageChannel,
  Messaging,
  OutboundHttp,
  OutboundHttpRequest,
  OutboundHttpResponse,
  RelyingParty,
  StepServices,
} from './steps/step-types.js';

// Credentials (`ctx.services.credentials`): authenticators, lockout counters, recovery codes, sealing.
export type {
  AttemptState,
  AttemptStore,
  AuthenticatorRecord,
  AuthenticatorStore,
  CredentialServices,
  RecoveryCodeRecord,
  RecoveryCodeStore,
} from './steps/step-types.js';

// JSON shapes.
export type { JsonObject, JsonValue } from './json.js';

/**
 * Session variable names: the pattern a name must match and the names refused (they would reach
 * the prototype of the variables object). For config schemas of steps that name a variable.
 */
export { RESERVED_VARIABLE_NAMES, VARIABLE_NAME_PATTERN } from './journey/journey-schema.js';

/** A journey id's pattern, for steps that name a journey (`journey.call`). */
export { JOURNEY_ID_PATTERN } from './journey/journey-schema.js';
