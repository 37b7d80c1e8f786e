/**
 * The public step SDK: everything a step type (built-in or custom) is written against.
 * Nothing here knows any particular step; the runtime drives every step through these shapes.
 */
import type { JSONSchema } from 'json-schema-to-ts';
import type { AttemptStore, AuthenticatorStore, RecoveryCodeStore } from '../store/store.js';

export type { AuthenticatorRecord } from '../store/store.js';

export type JsonSchema = Exclude<JSONSchema, boolean> | Record<string, unknown>;
export type JsonObject = { [key: string]: unknown };

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
  /** The new user context. */
  user?: UserContext | null;
  /** Tokens to add to `$userTokens()`. */
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
}

export interface StepContext<Config = JsonObject> {
  readonly step: { id: string; type: string; name: string };
  /** The step's config, expressions evaluated, defaults applied, checked against its schema. */
  readonly config: Config;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly input: unknown;
  readonly user: UserContext | null;
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
    readonly code: 'delivery_failed' | 'rate_limited',
    message: string,
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
    message: { to: string; body: string; subject?: string; sessionId: string | null },
    channels: MessageChannel[],
    options?: { idempotencyKey?: string },
  ): Promise<{ channel: MessageChannel; duplicate?: boolean }>;
}

export interface StepServices {
  users: UserDirectory;
  http: OutboundHttp;
  credentials: CredentialServices;
  messaging: Messaging;
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
  run(ctx: StepContext<Config>): StepOutcome | Promise<StepOutcome>;
}

/** The catalogue entry of `GET /v1/admin/steps`. */
export interface StepCatalogueEntry {
  type: string;
  title: string;
  category: StepCategory;
  description: string;
  configSchema: JsonSchema;
  branches: BranchDeclaration;
  interactive: boolean;
  terminal: boolean;
}
