/**
 * The shapes of the step SDK: the definition, the context, the outcomes and the services a step
 * type (built-in or custom) is written against. Steps import them through engine/sdk.ts, which
 * re-exports the public ones. Nothing here knows any particular step; the runtime drives every
 * step through these shapes.
 */
import type { JSONSchema } from 'json-schema-to-ts';
import type { JsonObject } from '../json.js';
// One way only: the store never imports the SDK (test/architecture/dependency-rules.test.ts).
import type { AttemptStore, AuthenticatorStore, RecoveryCodeStore } from '../store/store.js';

export type { JsonObject, JsonValue } from '../json.js';
// The credential records and stores steps reach through `ctx.services.credentials`.
export type {
  AttemptState,
  AttemptStore,
  AuthenticatorRecord,
  AuthenticatorStore,
  RecoveryCodeRecord,
  RecoveryCodeStore,
} from '../store/store.js';

export type JsonSchema = Exclude<JSONSchema, boolean> | Record<string, unknown>;

export type StepCategory =
  | 'input'
  | 'logic'
  | 'data'
  | 'identity'
  | 'authentication'
  | 'integration'
  | 'outcome';

/** The error object of a failed step: what `errorOutputVariable` receives. */
export interface StepError {
  code: string;
  message: string;
  details?: unknown;
}

/** One answer the client may submit while a step waits. */
export interface ClientOption {
  id: string;
  label?: string;
  /** JSON Schema of the option's data; absent: the option takes no data (or `{}`). */
  schema?: JsonSchema;
}

export interface Submission {
  option: string;
  data: unknown;
}

/** The user context: `$user` in expressions. */
export interface UserContext {
  id: string;
  username: string | null;
  [attribute: string]: unknown;
}

/**
 * Authentication method references (RFC 8176) a step can prove: `pwd` password, `otp` TOTP or
 * recovery code, `sms` a code by SMS or WhatsApp, `email` a code or link by email (ours: RFC 8176
 * has no email value), `hwk` / `swk` passkeys bound to hardware / software. `mfa` is never proved
 * by a step: the runtime adds it once two distinct methods passed.
 */
export type AuthMethod = 'pwd' | 'otp' | 'sms' | 'email' | 'hwk' | 'swk';
export const AUTH_METHODS: readonly AuthMethod[] = ['pwd', 'otp', 'sms', 'email', 'hwk', 'swk'];

/**
 * What this session proved about its user (`$auth` in expressions). Present only while the user in
 * context is *established*: created by this session, named by a trusted caller at start, or proved
 * by at least one factor. Identifying a user from a typed username establishes nothing.
 */
export interface AuthState {
  userId: string;
  /** RFC 8176 values in the order proved, plus `mfa` once two distinct methods passed. */
  amr: string[];
  /** When the last factor was proved (ISO 8601); null for a user established without one. */
  authTime: string | null;
}

export interface IssuedToken {
  type: string;
  issuedAt: string;
  claims: JsonObject;
}

/**
 * Branches a step type declares: fixed names, or one per item of an array in its config
 * (a JSON Pointer, the key of each item) plus fixed extra names. `failure` is implicit.
 */
export type BranchDeclaration = readonly string[] | { from: string; key: string; extra?: readonly string[] };

export interface BranchEffects {
  /** Stored in the variable named by `config.outputVariable`, when the step has one. */
  output?: unknown;
  /** Variables to set (name → value). */
  variables?: Record<string, unknown>;
  /**
   * The new user context. A different user than the established one drops `$auth`, unless this
   * same outcome proves a factor for them or establishes them.
   */
  user?: UserContext | null;
  /** The factor this step proved for the outcome's user (or, without `user`, the user in context). */
  proved?: AuthMethod;
  /**
   * The step established the outcome's user without a factor: it created them, or a trusted caller
   * named them (see `fromTrustedCaller`).
   */
  established?: boolean;
  /**
   * Paths within `output` whose values are secrets (a password a form collected): the runtime keeps
   * them sealed at rest while the session holds them.
   */
  secrets?: string[][];
  /**
   * Tokens to add to `$userTokens()`. A token that records a proof names its `ProofMethod` in a
   * `method` claim: that, not the token's type, is how integrations tell what a session proved.
   */
  tokens?: Array<{ type: string; claims: JsonObject }>;
}

export interface AskRequest {
  /** What the client must show. */
  data?: JsonObject;
  options: ClientOption[];
  /** A refused answer the step can retry (e.g. a wrong code with attempts left). */
  error?: StepError | null;
  /** Step-local state kept until the step is left (attempt counters, code hashes...). */
  state?: JsonObject;
  /**
   * The data holds a secret the client must see once (a TOTP secret while it is confirmed):
   * it is kept sealed at rest and never written to timelines.
   */
  sensitive?: boolean;
}

export type StepOutcome =
  | ({ kind: 'branch'; branch: string } & BranchEffects)
  | { kind: 'fail'; error: StepError }
  | ({ kind: 'ask' } & AskRequest)
  | { kind: 'complete'; claims: JsonObject }
  | { kind: 'reject'; error: StepError };

export interface SessionInfo {
  id: string;
  journeyId: string;
  journeyVersion: number | null;
  startedAt: string;
  /** True while the session runs as an admin test run. */
  testRun: boolean;
  /** Names the submit (or start) now running: key side effects with it so each happens at most once. */
  runId: string;
  /**
   * An opaque id of the browser that sent the request now running (a hash of its device cookie),
   * null when the request carried none: lets a step bind something to "this browser".
   */
  device: string | null;
  /** The network address of the client of the request now running (for per-client send limits). */
  clientAddress: string | null;
}

export interface StepContext<Config = JsonObject> {
  readonly step: { id: string; type: string; name: string };
  /** The step's config, expressions evaluated, defaults applied, checked against its schema. */
  readonly config: Config;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly input: unknown;
  readonly user: UserContext | null;
  /** What this session proved about `user`; null while the user is not established. */
  readonly auth: AuthState | null;
  /** The client's answer when the step re-runs after asking; null on first entry. */
  readonly submission: Submission | null;
  /** What the step kept with `ask({ state })` during this visit. */
  readonly state: JsonObject | undefined;
  readonly session: SessionInfo;
  readonly tokens: readonly IssuedToken[];
  readonly services: StepServices;
  /** The server clock (injected in tests); never `Date.now()` inside a step. */
  now(): Date;
  /**
   * True when the journey sets this top-level config key (as a literal or an expression), even
   * when its expression gave nothing: "absent" and "empty" are different things to a step.
   */
  hasConfig(key: string): boolean;
  /**
   * True when the session was started by an app or admin key and this top-level config key is a
   * literal or an expression reading only `$input`: the trusted caller's word, not something a
   * user typed. (A user such a caller names counts as established without a factor.)
   */
  fromTrustedCaller(key: string): boolean;

  branch(name: string, effects?: BranchEffects): StepOutcome;
  fail(error: StepError): StepOutcome;
  ask(request: AskRequest): StepOutcome;
  complete(claims?: JsonObject): StepOutcome;
  reject(error: StepError): StepOutcome;
}

export interface UserRecord {
  id: string;
  username: string | null;
  attributes: JsonObject;
  createdAt: string;
}

/** The user context (`$user`) of a stored user: its attributes, then its id and username. */
export function toUserContext(user: UserRecord): UserContext {
  return { ...user.attributes, id: user.id, username: user.username };
}

/**
 * Whether a code or link sent to `address` (normalised: E.164, or a lower-case email address) proves
 * a factor *for this user*: the address is the user's own `email` or `phoneNumber` attribute, or the
 * user is already established (created, named by a trusted caller, or proved) so the address is
 * theirs to add. A code sent to an address someone typed for a user they only named proves nothing
 * about that user.
 */
export function provesFactorFor(user: UserContext | null, auth: AuthState | null, address: string): user is UserContext {
  if (!user) return false;
  if (auth?.userId === user.id) return true;
  const email = typeof user.email === 'string' ? user.email.trim().toLowerCase() : null;
  const phone = typeof user.phoneNumber === 'string' ? user.phoneNumber.replace(/[\s().-]/g, '') : null;
  return address === email || address === phone;
}

/** What steps may do to users; the runtime provides it from the store. */
export interface UserDirectory {
  findById(id: string): Promise<UserRecord | null>;
  findByUsername(username: string): Promise<UserRecord | null>;
  /** Creates a user; a duplicate username answers the existing user. */
  create(input: { id?: string; username?: string | null; attributes?: JsonObject }): Promise<UserRecord>;
}

export interface OutboundHttpRequest {
  url: string;
  method: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface OutboundHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Thrown by `OutboundHttp.request`; `code` is the step error code to fail with. */
export class OutboundHttpError extends Error {
  constructor(
    readonly code: 'http_timeout' | 'http_unreachable' | 'host_not_allowed',
    message: string,
  ) {
    super(message);
  }
}

export interface OutboundHttp {
  /** Calls a host allowed by HTTP_ALLOWED_HOSTS (private addresses only when listed). */
  request(request: OutboundHttpRequest): Promise<OutboundHttpResponse>;
}

/** Credential storage for authentication steps: authenticators, lockouts, recovery codes, sealing. */
export interface CredentialServices {
  authenticators: AuthenticatorStore;
  attempts: AttemptStore;
  recoveryCodes: RecoveryCodeStore;
  /** HMAC-SHA256 under a key derived from SECRET_KEY (for one-time codes: compare hashes, never codes). */
  keyedHash(purpose: string, value: string): string;
  /** Whether `value` hashes to a stored keyed hash (made under the current or a previous SECRET_KEY), in constant time. */
  matchesKeyedHash(purpose: string, value: string, stored: string): boolean;
  /** AES-256-GCM under SECRET_KEY; `context` binds the ciphertext to what it belongs to. */
  seal(plaintext: string, context: string): string;
  unseal(sealed: string, context: string): string;
}

/**
 * Services the engine lends to steps. Later capabilities (authenticators, sealing, message
 * channels, counters) are added here, so custom steps reach them exactly as built-ins do.
 */
export type MessageChannel = 'sms' | 'whatsapp' | 'email';

/** Thrown by `Messaging.send`: `code` is the step error to fail with. */
export class MessagingError extends Error {
  constructor(
    readonly code: 'delivery_failed' | 'rate_limited' | 'country_not_allowed',
    message: string,
    /** For `rate_limited`: `{ retryAfter }` (seconds, an upper bound) and which limit. */
    readonly details?: JsonObject,
  ) {
    super(message);
  }
}

export interface Messaging {
  /**
   * Sends on the first of `channels` that delivers (fallback in order) and answers which one did.
   * Counts against the destination's send limit. Throws MessagingError.
   */
  send(
    message: { to: string; body: string; subject?: string; sessionId: string | null; clientAddress?: string | null },
    channels: MessageChannel[],
    options?: { idempotencyKey?: string },
  ): Promise<{ channel: MessageChannel; duplicate?: boolean }>;
}

/** What became of an email link: `missing` once replaced by a newer link of the step, or swept. */
export type EmailLinkStatus = 'pending' | 'used' | 'expired' | 'blocked' | 'missing';

/**
 * Single-use sign-in links sent by email (`email.link`). The engine draws the token and keeps only
 * its hash; the link's page (`/v1/links/{token}`) proves it and resumes the waiting session with
 * the step's `check` option. A step sees the URL once, to send it, and keeps only the link's id.
 */
export interface EmailLinks {
  /**
   * A new link for the step of the session, replacing that step's earlier links, bound to the
   * browser `device` (`ctx.session.device`), valid until `expiresAt`. With `allowOtherDevice`,
   * another browser may use it after typing `code` (answered: show it on this screen).
   */
  create(link: { sessionId: string; stepId: string; device: string | null; expiresAt: string; allowOtherDevice: boolean }): Promise<{
    id: string;
    url: string;
    code: string | null;
  }>;
  /** `used` once its page proved it; `blocked` after too many wrong codes; `expired`; else `pending`. */
  status(id: string, now: Date): Promise<EmailLinkStatus>;
}

export interface StepServices {
  users: UserDirectory;
  http: OutboundHttp;
  credentials: CredentialServices;
  messaging: Messaging;
  links: EmailLinks;
  /** The WebAuthn relying party of this installation (passkey steps). */
  relyingParty: RelyingParty;
  /** Failure limits over fixed windows, keyed by what the step limits (e.g. a client address). */
  limits: FailureLimits;
  /** Sub-journeys (#20): runs another published journey inside this session (`journey.call`). */
  journeys: JourneyCalls;
}

/** What one call names: the journey, its version (or the latest published when first reached) and its input. */
export interface JourneyCall {
  journeyId: string;
  version: number | 'latest';
  input: JsonObject;
}

/**
 * Runs a called journey inside the calling session (docs/sub-journeys.md): on the step's first
 * visit it resolves the version (recorded in the visit's state) and starts the child; on each
 * re-run it hands the child the client's answer. The answer is the outcome the calling step
 * gives as it is: an ask showing the child's step, `success` with the child's claims as output,
 * or a failure carrying the child's error. `$user` and `$auth` go in and come back out.
 */
export interface JourneyCalls {
  run(ctx: StepContext, call: JourneyCall): Promise<StepOutcome>;
}

/**
 * The WebAuthn relying party: WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME and WEBAUTHN_ORIGINS, from
 * configuration only (never from a request's Host header).
 */
export interface RelyingParty {
  id: string;
  name: string;
  origins: readonly string[];
}

/** At most `count` failed attempts per `windowSeconds` (fixed windows, counted in the store). */
export interface FailureLimit {
  count: number;
  windowSeconds: number;
}

/**
 * Limits failures by a key of the step's choosing. An attempt is reserved (and counts as failed)
 * before anything is evaluated, so parallel attempts never exceed the limit; an attempt that
 * succeeds is given back. Unlike `credentials.attempts`, nothing locks a credential: a limit by
 * client address lets nobody lock another person out.
 */
export interface FailureLimits {
  /** Reserves one attempt; `allowed: false` (nothing counted) when the window's failures are spent. */
  reserve(key: string, limit: FailureLimit): Promise<{ allowed: true } | { allowed: false; retryAfter: number }>;
  /** The reserved attempt succeeded: it no longer counts. */
  succeeded(key: string, limit: FailureLimit): Promise<void>;
}

/**
 * A way of proving who one is, in the engine's own words: an authenticator app code (`totp`), a
 * code sent by `sms`, `whatsapp` or `email`, a `recovery_code`, or a `passkey` (WebAuthn).
 */
export type ProofMethod = 'totp' | 'sms' | 'whatsapp' | 'email' | 'recovery_code' | 'passkey';
export const PROOF_METHODS: readonly ProofMethod[] = ['totp', 'sms', 'whatsapp', 'email', 'recovery_code', 'passkey'];

/**
 * What a step offers a client that picks how to prove who it is, named by capability rather than
 * by step type: so an integration serving another vendor's API (integrations/) can drive any step
 * that declares these, built-in or custom, by submitting the options named here. The declaration
 * says what the step can do; each ask still says which of these options it offers now.
 */
export interface StepOffers {
  /**
   * Enrolling a new credential. `option` starts the enrolment; without it the step enrols on
   * entry. A passkey's `option` takes `{ credential }` (the WebAuthn registration response as JSON)
   * answering the creation options its ask shows as `options`. Otherwise the ask that shows the
   * enrolment carries `secret` and `uri` in its data (and
   * `authenticatorId` when the credential is already stored).
   */
  enrol?: ReadonlyArray<{ method: 'totp'; option?: string } | { method: 'passkey'; option: string }>;
  /**
   * Checking a proof of this method: the option submitted with `{ code }` (a passkey's with
   * `{ credential }`, the WebAuthn response as JSON).
   */
  verify?: ReadonlyArray<{ method: ProofMethod; option: string }>;
  /**
   * Sending a code on this channel. `option` sends it; without it the step sends on entry. The ask
   * that waits for the code names the channel it went by as `channel` (or `otp.channel`) in its data.
   */
  send?: ReadonlyArray<{ channel: MessageChannel; option?: string }>;
}

/**
 * One thing a step writes into the session, as the validator's data-flow analysis sees it
 * (docs/custom-steps.md, "Declaring what a step writes").
 */
export interface WriteDeclaration {
  /** The branches on which it is written; absent: every branch the step declares (never `failure`). */
  branches?: readonly string[];
  /**
   * Its JSON Schema, when known. An object schema with `properties` whose `additionalProperties`
   * is absent or false is a closed shape: reading a property it lacks is reported.
   */
  shape?: JsonSchema;
  /**
   * Forms: the shape is the `schema` of the config item that declares the branch taken (an item
   * without one gives `{}`), read through the step's `branches.from`.
   */
  shapeFromBranchItem?: boolean;
}

/**
 * What a step writes, per branch: what the validator checks every expression's reads against. A
 * step type without `writes` is assumed to write anything (and gets an `undeclared_outputs`
 * diagnostic); `writes: {}` declares that it writes nothing. `errorOutputVariable` is written by
 * the engine on `failure` for every step and needs no declaration.
 */
export interface StepWrites {
  /** The variable named by `config.outputVariable`: one entry, or one per branch with its own shape. */
  output?: WriteDeclaration | readonly WriteDeclaration[];
  /** Variables with fixed names (e.g. `risk`), whatever the config says. */
  variables?: Readonly<Record<string, WriteDeclaration>>;
  /** A JSON Pointer into the config to an object whose keys are variables set on every branch (`set-variables`: `/assign`). */
  configKeys?: string;
  /** The step puts a user in context (`$user`) on these branches. */
  user?: WriteDeclaration;
  /** The step may establish the user (`$auth`: proves a factor, creates or names them) on these branches. */
  auth?: WriteDeclaration;
  /**
   * These branches are taken only when the expression at this config pointer is true: what a
   * top-level `$exists(v)` in it tests counts as set on them (`condition`: `true`).
   */
  guard?: { branches: readonly string[]; expression: string };
}

export interface StepDefinition<Config = JsonObject> {
  type: string;
  title: string;
  category: StepCategory;
  description: string;
  /** JSON Schema of `config` (additionalProperties: false). Defaults in it are applied at run time. */
  configSchema: JsonSchema;
  branches: BranchDeclaration;
  /** True when the step may ask the client (it can wait). */
  interactive: boolean;
  /** True when the step ends the session (complete, reject). */
  terminal?: boolean;
  /** The ways of proving who one is that the step offers, for clients that pick by capability. */
  offers?: StepOffers;
  /** What the step writes into the session, per branch (absent: assumed to write anything). */
  writes?: StepWrites;
  run(ctx: StepContext<Config>): StepOutcome | Promise<StepOutcome>;
}
