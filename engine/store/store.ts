/**
 * Storage interfaces. Every operation is async so that SQLite and PostgreSQL implement the same
 * contract; every operation that guards against races (session revisions, one-use tokens,
 * authenticator time steps) is a single atomic compare-and-set in the database, never an
 * in-process lock, so it holds across server processes.
 */
import type { JourneySummary as ContractJourneySummary, SessionStatus as ContractSessionStatus, TimelineEvent as ContractTimelineEvent } from '../http/contract/types.js';
import type { JsonObject } from '../json.js';

/** A session's status: the API's (engine/http/contract). */
export type SessionStatus = ContractSessionStatus;

/** A journey in the list: the API's shape (engine/http/contract). */
export type JourneySummary = ContractJourneySummary;

export interface DraftRecord {
  id: string;
  document: JsonObject;
  revision: number;
  updatedAt: string;
}

export interface VersionRecord {
  journeyId: string;
  version: number;
  documentHash: string;
  publishedAt: string;
}

export class RevisionConflictError extends Error {
  constructor() {
    super('the record changed since it was read');
  }
}

export interface JourneyStore {
  list(): Promise<JourneySummary[]>;
  getDraft(id: string): Promise<DraftRecord | null>;
  /** True when the id has ever had a draft or a published version (deleted ones included). */
  isKnown(id: string): Promise<boolean>;
  /** Saves the draft; with `expectedRevision` throws RevisionConflictError when it is stale. */
  saveDraft(id: string, document: JsonObject, at: string, expectedRevision?: number, records?: ChangeRecords): Promise<DraftRecord>;
  /** Deletes the draft and hides the versions (sessions keep their documents). */
  delete(id: string, records?: ChangeRecords): Promise<boolean>;
  /** Stores the document under its hash (idempotent) and assigns the next version number, never reused. */
  publish(id: string, documentHash: string, document: JsonObject, at: string, records?: (version: VersionRecord) => ChangeRecords): Promise<VersionRecord>;
  listVersions(id: string): Promise<VersionRecord[]>;
  getVersion(id: string, version: number): Promise<VersionRecord | null>;
  getLatestVersion(id: string): Promise<VersionRecord | null>;
  putDocument(hash: string, document: JsonObject): Promise<void>;
  getDocument(hash: string): Promise<JsonObject | null>;
}

export interface SessionRecord {
  id: string;
  journeyId: string;
  journeyVersion: number | null;
  documentHash: string;
  status: SessionStatus;
  stepId: string | null;
  userId: string | null;
  snapshot: JsonObject;
  /** Bumped by every claim and save: the compare-and-set token. */
  revision: number;
  tokenHash: string;
  testRun: boolean;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  leaseUntil: string | null;
}

export interface SessionUpdate {
  status: SessionStatus;
  stepId: string | null;
  userId: string | null;
  snapshot: JsonObject;
  updatedAt: string;
}

export interface SessionFilter {
  journeyId?: string;
  status?: SessionStatus;
  limit: number;
}

export interface SessionStore {
  /** Creates the session and writes its first timeline events, atomically. */
  create(record: SessionRecord, events?: TimelineEvent[], records?: ChangeRecords): Promise<void>;
  get(id: string): Promise<SessionRecord | null>;
  /**
   * Takes the session for one submit: succeeds only when the revision is `expectedRevision` and no
   * live lease is held; bumps the revision and sets the lease. Answers the new revision, or null.
   */
  claim(id: string, expectedRevision: number, leaseUntil: string, now: string): Promise<number | null>;
  /**
   * Writes the outcome of a claimed submit with its timeline events and clears the lease, all
   * atomically; false (and nothing written) when the claim was lost.
   */
  save(
    id: string,
    claimedRevision: number,
    update: SessionUpdate,
    events?: TimelineEvent[],
    records?: ChangeRecords,
    /**
     * Issue #24: the save of a run that took no lease takes it here. `claimedRevision` is then the
     * revision the run read, and the save also requires that no live lease (one ending after
     * `unclaimedAt`) is held. Throws GuardFailed (nothing written) when one of `records.guards` fails.
     */
    unclaimedAt?: string,
  ): Promise<boolean>;
  /** Gives a claim back without changes. */
  release(id: string, claimedRevision: number): Promise<void>;
  /** Extends the lease of a claim still held (a long submit's heartbeat); false when it was lost. */
  renewLease(id: string, claimedRevision: number, leaseUntil: string): Promise<boolean>;
  list(filter: SessionFilter): Promise<SessionRecord[]>;
  /** Removes sessions whose expiry (or end) is older than `before`; answers how many. */
  deleteExpired(before: string): Promise<number>;
}

export type TimelineEventKind = 'entered' | 'submitted' | 'branch' | 'error' | 'ended';

/** One event of a session's timeline: the API's shape (engine/http/contract). */
export type TimelineEvent = ContractTimelineEvent;

export interface TimelineStore {
  append(sessionId: string, events: TimelineEvent[]): Promise<void>;
  list(sessionId: string): Promise<TimelineEvent[]>;
}

export interface StoredUser {
  id: string;
  username: string | null;
  attributes: JsonObject;
  createdAt: string;
}

export interface UserStore {
  /** Inserts; answers the existing user instead when the normalised username is taken. */
  create(user: StoredUser): Promise<StoredUser>;
  findById(id: string): Promise<StoredUser | null>;
  /** `username` is compared normalised (NFC, lower case). */
  findByUsername(username: string): Promise<StoredUser | null>;
  list(filter: { username?: string; limit: number }): Promise<StoredUser[]>;
  /** Erases the user and everything stored about them (authenticators, recovery codes, attempt counts). */
  delete(id: string, records?: ChangeRecords): Promise<boolean>;
  // ---- Authsignal-compatible API (#22): updateUser, queryUsers ----
  /** Replaces the username and attributes: `username_taken` when another user has the username. */
  update(id: string, username: string | null, attributes: JsonObject): Promise<'updated' | 'not_found' | 'username_taken'>;
  /** Users whose attribute `name` (a top-level string) equals `value`, oldest first. */
  listByAttribute(name: 'email' | 'phoneNumber', value: string, limit: number): Promise<StoredUser[]>;
  /** A page of users in id order: those after `afterId` (null: from the first). */
  listAfterId(afterId: string | null, limit: number): Promise<StoredUser[]>;
}

export interface AuthenticatorRecord {
  id: string;
  userId: string;
  type: string;
  /** Sealed secret material (never plaintext). */
  sealedSecret: string | null;
  params: JsonObject;
  confirmedAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  /** The last accepted TOTP time step, for replay protection. */
  lastTimeStep: number | null;
  /** Passkeys: the last accepted WebAuthn signature counter (0: the authenticator keeps none). */
  signCount?: number | null;
}

export interface AuthenticatorStore {
  create(record: AuthenticatorRecord, records?: ChangeRecords): Promise<void>;
  get(id: string): Promise<AuthenticatorRecord | null>;
  listByUser(userId: string): Promise<AuthenticatorRecord[]>;
  confirm(id: string, at: string): Promise<void>;
  /**
   * Confirms the user's pending authenticator `id` as their one authenticator of its type, in one
   * transaction (serialised per user, across processes): refused (false, nothing changed) when `id`
   * is not a pending authenticator of `userId`, or when the user has another confirmed
   * authenticator of that type, unless `replaceExisting`, which deletes those. The user's other
   * pending authenticators of the type are deleted, and `recoveryCodes`, when given, replace all of
   * the user's recovery codes. Answers whether it confirmed.
   */
  confirmEnrolment(
    id: string,
    userId: string,
    at: string,
    options: { replaceExisting: boolean; recoveryCodes?: RecoveryCodeRecord[]; records?: ChangeRecords },
  ): Promise<boolean>;
  /** Accepts `timeStep` only when it is later than the last accepted one (atomic); marks the use. */
  advanceTimeStep(id: string, timeStep: number, at: string): Promise<boolean>;
  delete(userId: string, id: string, records?: ChangeRecords): Promise<boolean>;
  // Passkeys (issue 17).
  /**
   * Accepts a WebAuthn signature counter (atomic): when it is above the stored one, or both are 0
   * (an authenticator that keeps no counter); then stores it with `params` (backup state may
   * change between uses) and marks the use. False, nothing changed, for a stalled counter.
   */
  advanceSignCount(id: string, signCount: number, params: JsonObject, at: string): Promise<boolean>;
  /** Authenticators whose secret was sealed under another key than `keyId` (SECRET_KEY rotation). */
  listSealedNotUnder(keyId: string, limit: number): Promise<Array<{ id: string; sealedSecret: string }>>;
  updateSealedSecret(id: string, sealedSecret: string): Promise<void>;
}

export interface AttemptState {
  key: string;
  kind: string;
  subject: string | null;
  failures: number;
  lockedUntil: string | null;
}

/**
 * Failure counting and lockout per credential. An attempt is taken (and counted as a failure)
 * before the secret is evaluated, so parallel guesses can never exceed the limit; the attempt
 * that reaches the limit sets the lock at once (a crash cannot leave a credential open), and a
 * success resets both.
 */
export interface AttemptStore {
  /**
   * Takes one attempt: answers the failure count including this attempt, or null while the
   * credential is locked. The attempt that reaches `maxFailures` locks until `lockUntil`.
   */
  reserve(
    key: string,
    meta: { kind: string; subject: string | null },
    maxFailures: number,
    now: string,
    lockUntil: string,
    /** Written in the same transaction only when this attempt sets the lock. */
    onLock?: ChangeRecords,
  ): Promise<number | null>;
  /**
   * Issue #24: reserve's attempt and the session's lease (SessionStore.claim) in one transaction:
   * null, nothing reserved, when the lease is refused; else the new revision and reserve's answer.
   */
  reserveWithLease(
    lease: LeaseClaim,
    key: string,
    meta: { kind: string; subject: string | null },
    maxFailures: number,
    now: string,
    lockUntil: string,
    onLock?: ChangeRecords,
  ): Promise<{ revision: number; failures: number | null } | null>;
  /** After a success: failures and lock cleared. */
  reset(key: string): Promise<void>;
  get(key: string): Promise<AttemptState | null>;
  listBySubject(subject: string): Promise<AttemptState[]>;
  /** Clears every count and lock of a subject (admin unlock). */
  clearSubject(subject: string, records?: ChangeRecords): Promise<number>;
}

export interface RecoveryCodeRecord {
  id: string;
  userId: string;
  salt: string;
  hash: string;
  createdAt: string;
  usedAt: string | null;
}

export interface RecoveryCodeStore {
  /** Replaces all of a user's codes with a new set. */
  replace(userId: string, codes: RecoveryCodeRecord[]): Promise<void>;
  listUnused(userId: string): Promise<RecoveryCodeRecord[]>;
  /** Marks a code used; false when it was used already (atomic: a code works once). */
  consume(id: string, at: string): Promise<boolean>;
}

/** Fixed-window counters (send limits, rate limits), atomic in the database. */
export interface CounterStore {
  /** Counts one hit in the current window of `windowSeconds`; answers the count including it. */
  increment(key: string, windowSeconds: number, now: string): Promise<number>;
  /**
   * Gives back one hit counted by `increment` in the current window (a reserved attempt that did
   * not fail); nothing when that window has ended.
   */
  decrement(key: string, windowSeconds: number, now: string): Promise<void>;
  /** Removes counters whose window started before `before` (the sweeper keeps the table small). */
  deleteStale(before: string): Promise<number>;
}

export interface OutboxMessage {
  id: string;
  channel: string;
  to: string;
  body: string;
  sessionId: string | null;
  createdAt: string;
}

export interface OutboxStore {
  add(message: OutboxMessage): Promise<void>;
  list(filter: { sessionId?: string; to?: string; limit: number }): Promise<OutboxMessage[]>;
}

export interface SigningKeyRecord {
  kid: string;
  /** What the key signs: the engine's result tokens, or the OpenID provider's tokens (#18). */
  use: SigningKeyUse;
  algorithm: SigningAlgorithm;
  publicJwk: JsonObject;
  sealedPrivateJwk: string;
  createdAt: string;
  retiredAt: string | null;
}

export type SigningKeyUse = 'tokens' | 'oidc' | 'authsignal-sessions';
export type SigningAlgorithm = 'ES256' | 'RS256';

export interface SigningKeyStore {
  list(): Promise<SigningKeyRecord[]>;
  add(key: SigningKeyRecord): Promise<void>;
  /** Replaces the sealed private half (sealed again under a new SECRET_KEY). */
  updateSealed(kid: string, sealedPrivateJwk: string): Promise<void>;
}

export interface UsedTokenStore {
  /** Records a token id as used; false when it was used before (atomic). */
  markUsed(jti: string, expiresAt: string): Promise<boolean>;
  deleteExpired(before: string): Promise<number>;
}

/** A single-use email link (email.link). Per session: deleting a user removes nothing here. */
export interface EmailLinkRecord {
  id: string;
  /** sha256 of the token; the token itself is never stored. */
  tokenHash: string;
  sessionId: string;
  stepId: string;
  /** The browser the link was sent from (a hash of its device cookie); null when it had none. */
  deviceHash: string | null;
  /** Keyed hash of the code another browser must type; null: other browsers are refused. */
  codeHash: string | null;
  /** Code attempts from other browsers, each counted before the code is compared. */
  failures: number;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

export interface EmailLinkStore {
  /** Stores a link and deletes the other links of its session and step, atomically: only the newest works. */
  create(link: EmailLinkRecord): Promise<void>;
  get(id: string): Promise<EmailLinkRecord | null>;
  findByTokenHash(tokenHash: string): Promise<EmailLinkRecord | null>;
  /** Marks the link used: true once, only while unused and unexpired at `now` (atomic). */
  consume(id: string, now: string): Promise<boolean>;
  /**
   * Takes one code attempt before the code is compared (so parallel guesses never exceed the limit):
   * answers the count including it, or null when the link is used or already had `maxFailures`.
   */
  recordFailure(id: string, maxFailures: number): Promise<number | null>;
  /** Removes links that expired before `before`; answers how many. */
  deleteExpired(before: string): Promise<number>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  journeys: JourneyStore;
  sessions: SessionStore;
  timelines: TimelineStore;
  users: UserStore;
  authenticators: AuthenticatorStore;
  attempts: AttemptStore;
  recoveryCodes: RecoveryCodeStore;
  counters: CounterStore;
  outbox: OutboxStore;
  signingKeys: SigningKeyStore;
  usedTokens: UsedTokenStore;
  links: EmailLinkStore;
  /** The OpenID provider's artefacts and its clients (#18). */
  oidc: OidcModelStore;
  oidcClients: OidcClientStore;
  audit: AuditStore;
  webhooks: WebhookStore;
  analytics: AnalyticsStore;
  /** The Authsignal-compatible API's actions and app sessions (#22). */
  authsignalActions: AuthsignalActionStore;
  authsignalSessions: AuthsignalSessionStore;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function normaliseUsername(username: string): string {
  return username.normalize('NFC').toLowerCase();
}

// ---- OpenID Connect provider (#18) ----

/**
 * One artefact of the OpenID provider (oidc-provider's models: sessions, interactions, grants,
 * codes, tokens…), stored as its payload under (model, id) with the lookups the provider needs.
 */
export interface OidcModelRecord {
  model: string;
  id: string;
  payload: JsonObject;
  grantId: string | null;
  userCode: string | null;
  uid: string | null;
  /** Null: kept until destroyed. */
  expiresAt: string | null;
  consumedAt: string | null;
}

export interface OidcModelStore {
  /** Inserts or replaces the artefact (model, id). */
  upsert(record: OidcModelRecord): Promise<void>;
  /** The artefact unless it expired before `now`. */
  find(model: string, id: string, now: string): Promise<OidcModelRecord | null>;
  findByUid(model: string, uid: string, now: string): Promise<OidcModelRecord | null>;
  findByUserCode(model: string, userCode: string, now: string): Promise<OidcModelRecord | null>;
  /**
   * Marks the artefact consumed (a code redeemed, a refresh token rotated), atomically: true for
   * the one call that consumed it, false when it was consumed already (the first time is kept).
   */
  consume(model: string, id: string, at: string): Promise<boolean>;
  destroy(model: string, id: string): Promise<void>;
  /** Removes every artefact of a grant (a revoked grant, a reused code). */
  revokeByGrantId(grantId: string): Promise<void>;
  deleteExpired(before: string): Promise<number>;
}

/** A relying party registered by an admin: oidc-provider metadata plus how its users sign in. */
export interface OidcClientRecord {
  id: string;
  /** OpenID client metadata (redirect_uris, token_endpoint_auth_method…), never the secret. */
  metadata: JsonObject;
  /** The client secret sealed under SECRET_KEY; null for public and private_key_jwt clients. */
  sealedSecret: string | null;
  /** The journey that signs its users in when no `acr_values` entry names another. */
  journeyId: string;
  /** `acr` value → journey id: a step-up asks for a stronger journey. */
  acrJourneys: Record<string, string>;
  /** First-party clients skip the consent screen. */
  firstParty: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface OidcClientStore {
  /** False when the id is taken. `records` (the audit entry) are written in its transaction, only when it happens. */
  create(client: OidcClientRecord, records?: ChangeRecords): Promise<boolean>;
  get(id: string): Promise<OidcClientRecord | null>;
  list(): Promise<OidcClientRecord[]>;
  /** Replaces the client; false when there is none. */
  update(client: OidcClientRecord, records?: ChangeRecords): Promise<boolean>;
  delete(id: string, records?: ChangeRecords): Promise<boolean>;
  /** Ids of the clients whose default journey or acr map names the journey. */
  usingJourney(journeyId: string): Promise<string[]>;
}
// ---------------------------------------------------------------------------------------------
// Observability (#23): the audit log, webhook events and their outbox, journey analytics.
// ---------------------------------------------------------------------------------------------

/** One admin change. `actor` is the name of the key that made it, never the key. */
export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  /** e.g. `journey.published`, `user.deleted` (docs/observability.md lists them). */
  action: string;
  targetType: string;
  targetId: string;
  /** The client's address as the engine saw it (after `trust proxy`); null when not over HTTP. */
  clientAddress: string | null;
  /** What changed: before/after or a semantic diff; never secret material. */
  details: JsonObject;
}

/** An audit entry as listed: with its position in the log (the paging cursor). */
export interface AuditRecord extends AuditEntry {
  seq: number;
}

export interface AuditFilter {
  action?: string;
  actor?: string;
  targetType?: string;
  targetId?: string;
  /** ISO instants, inclusive from, exclusive to. */
  from?: string;
  to?: string;
  /** Entries older than this position (the previous page's `next`). */
  before?: number;
  limit: number;
}

/** Append-only: entries are written only as ChangeRecords of the change they describe. */
export interface AuditStore {
  list(filter: AuditFilter): Promise<AuditRecord[]>;
}

/** An event for webhook subscribers (Standard Webhooks: `id` is the webhook-id). No secrets. */
export interface WebhookEventRecord {
  id: string;
  type: string;
  at: string;
  payload: JsonObject;
}

/**
 * What a change writes besides itself, in the same transaction: its audit entry, the events it
 * raises (one delivery per matching subscription is queued with each), and, when a session ends,
 * its contribution to the journey's analytics. A store operation that takes ChangeRecords writes
 * them only when the change itself happens (a refused or failed change leaves none).
 */
export interface ChangeRecords {
  audit?: AuditEntry;
  events?: WebhookEventRecord[];
  /** A session started: counted in its journey version's analytics. */
  started?: { journeyId: string; journeyVersion: number; startedAt: string };
  /** A session ended: its whole funnel. */
  funnel?: SessionFunnel;
  // Issue #24: a run's lockout resets, committed with its session (engine/runtime/run-writes.ts).
  /** Attempt keys whose failures and lock are cleared (AttemptStore.reset), in the same transaction. */
  attemptResets?: string[];
  // Issue #24 (lease): a run's compare-and-sets that decide its outcome, committed with its save.
  /** Run first in the change's transaction; when one changes no row, nothing is written (GuardFailed). */
  guards?: StoreGuard[];
}

export interface WebhookSubscriptionRecord {
  id: string;
  url: string;
  /** Event types, or `*` for all. */
  eventTypes: string[];
  /** The payload format: `standard` (Standard Webhooks); room for others on the same outbox. */
  format: string;
  /** The signing secret, sealed. */
  sealedSecret: string;
  description: string | null;
  enabled: boolean;
  createdAt: string;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface WebhookDeliveryRecord {
  id: string;
  eventId: string;
  eventType: string;
  subscriptionId: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  lastStatus: number | null;
  deliveredAt: string | null;
  createdAt: string;
}

/** A delivery claimed by one process: what it needs to send it, and the claim that fences its result. */
export interface ClaimedDelivery {
  id: string;
  claim: string;
  attempts: number;
  event: WebhookEventRecord;
  subscription: Pick<WebhookSubscriptionRecord, 'id' | 'url' | 'format' | 'sealedSecret'>;
}

export interface WebhookStore {
  createSubscription(subscription: WebhookSubscriptionRecord, records?: ChangeRecords): Promise<void>;
  listSubscriptions(): Promise<WebhookSubscriptionRecord[]>;
  getSubscription(id: string): Promise<WebhookSubscriptionRecord | null>;
  /** Removes the subscription and its undelivered deliveries. */
  deleteSubscription(id: string, records?: ChangeRecords): Promise<boolean>;
  /**
   * Takes up to `limit` due pending deliveries whose lease is free, for this process alone until
   * `leaseUntil` (one atomic statement: SKIP LOCKED on PostgreSQL, SQLite's single writer); each
   * claim counts as an attempt.
   */
  claimDue(now: string, leaseUntil: string, claim: string, limit: number): Promise<ClaimedDelivery[]>;
  /** Records the result of a claimed attempt; false when the claim was lost (its lease ran out and another took it). */
  markDelivered(id: string, claim: string, at: string, status: number): Promise<boolean>;
  /** A failed attempt: pending again at `nextAttemptAt`, or dead when null. */
  markFailed(id: string, claim: string, failure: { error: string; status: number | null; nextAttemptAt: string | null }): Promise<boolean>;
  listDeliveries(filter: { status?: WebhookDeliveryStatus; subscriptionId?: string; eventId?: string; limit: number }): Promise<WebhookDeliveryRecord[]>;
  getDelivery(id: string): Promise<WebhookDeliveryRecord | null>;
  /** A dead delivery back to pending, due at `now`; false unless it was dead. */
  retry(id: string, now: string, records?: ChangeRecords): Promise<boolean>;
}

/** One visit of a step by a session, read off its timeline when the session ends or expires. */
export interface StepVisit {
  stepId: string;
  /**
   * How it left: by a `branch`, an `error` (with its code; a step that asks again after an error
   * is still entered once), the journey `ended` there (completed, rejected or failed), or
   * `abandoned` (the session expired waiting there).
   */
  outcome: 'branch' | 'error' | 'ended' | 'abandoned';
  /** The branch name, the error code or the ending status; empty for `abandoned`. */
  key: string;
  /** Milliseconds the session waited on the step for the client (interactive steps), else null. */
  waitMs: number | null;
}

/** A session's contribution to its journey's analytics, written once, when it ends or expires. */
export interface SessionFunnel {
  sessionId: string;
  journeyId: string;
  journeyVersion: number;
  /** When the session started: every figure of the session counts in the hour it started. */
  startedAt: string;
  status: 'completed' | 'rejected' | 'failed' | 'expired';
  /** When it ended (or was found expired). */
  countedAt: string;
  /** Steps the session entered (each once). */
  entered: string[];
  visits: StepVisit[];
}

export interface FunnelQuery {
  journeyId: string;
  version?: number;
  /** Hour buckets from (inclusive) to (exclusive), ISO. */
  from: string;
  to: string;
}

/** Summed rollup rows: per hour, step (empty for totals), metric and key. */
export interface FunnelCount {
  hour: string;
  stepId: string;
  metric: string;
  key: string;
  count: number;
}

export interface AnalyticsStore {
  /** Sums of the rollup by step, metric and key over the range, and the outcome totals per hour. */
  query(query: FunnelQuery): Promise<{ byStep: Array<Omit<FunnelCount, 'hour'>>; series: FunnelCount[] }>;
  /**
   * Waiting sessions past their expiry that were not yet counted (at most `limit`): their ids and
   * timelines' owners, for the sweeper to count as expired.
   */
  listExpiredUncounted(now: string, limit: number): Promise<SessionRecord[]>;
  /** Writes an expired session's funnel (once: false when it was counted already). */
  recordExpired(funnel: SessionFunnel): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// Authsignal-compatible API (#22): actions as records an app reads and an admin reviews, and the
// sessions apps create from a completed challenge.
// ---------------------------------------------------------------------------------------------

/**
 * One tracked action (track, or a server-side challenge). Its state follows the journey session
 * it started until a reviewer resolves it (`reviewedAt`); the last state seen is kept, so the
 * record outlives its session.
 */
export interface AuthsignalActionRecord {
  /** The idempotency key: the id of the journey session the action started. */
  id: string;
  /** The user the app named; null for a challenge started without one until it is claimed. */
  userId: string | null;
  action: string;
  /** An Authsignal action state (ALLOW, BLOCK, CHALLENGE_REQUIRED, REVIEW_REQUIRED…). */
  state: string;
  stateUpdatedAt: string;
  /** The verification method of the challenge that completed it, when one did. */
  verificationMethod: string | null;
  /** Set when an admin resolved it (updateAction): the journey no longer decides its state. */
  reviewedAt: string | null;
  /** When a reviewed action's token was validated: a reviewed action validates once. */
  validatedAt: string | null;
  /** When an app claimed a challenge started without a user (claimChallenge). */
  claimedAt: string | null;
  createdAt: string;
}

export interface AuthsignalActionFilter {
  /** ISO instant: actions created at or after it. */
  fromDate?: string;
  actions?: string[];
  state?: string;
  limit: number;
}

export interface AuthsignalActionStore {
  create(record: AuthsignalActionRecord): Promise<void>;
  get(id: string): Promise<AuthsignalActionRecord | null>;
  /** The user's actions, newest first. */
  listByUser(userId: string, filter: AuthsignalActionFilter): Promise<AuthsignalActionRecord[]>;
  /** Records the state the journey reached; ignored once the action was reviewed. */
  observe(id: string, state: string, verificationMethod: string | null, at: string): Promise<void>;
  /**
   * Resolves the action while its state is `expected`, atomically: false when it is not (any
   * more). `records` (its audit entry) are written in its transaction, only when it happens.
   */
  review(id: string, expected: string, state: string, at: string, records?: ChangeRecords): Promise<boolean>;
  /** Marks a reviewed action validated: true once. */
  markValidated(id: string, at: string): Promise<boolean>;
  /** Names the user of a challenge started without one: true once. */
  claim(id: string, userId: string, at: string): Promise<boolean>;
}

/** An app session (createSession): the refresh token only as its sha256, rotated on each refresh. */
export interface AuthsignalSessionRecord {
  id: string;
  userId: string;
  clientId: string;
  refreshTokenHash: string;
  verificationMethod: string | null;
  /** The action whose challenge the session was created from. */
  actionId: string;
  createdAt: string;
  /** When the refresh token stops working. */
  expiresAt: string;
  revokedAt: string | null;
}

export interface AuthsignalSessionStore {
  create(record: AuthsignalSessionRecord): Promise<void>;
  get(id: string): Promise<AuthsignalSessionRecord | null>;
  findByRefreshTokenHash(hash: string): Promise<AuthsignalSessionRecord | null>;
  /**
   * Replaces the refresh token while it is still `expectedHash` and the session is neither revoked
   * nor expired at `now`, atomically: two refreshes with one token, one wins.
   */
  rotate(id: string, expectedHash: string, newHash: string, expiresAt: string, now: string): Promise<boolean>;
  /** False when there was no live session to revoke. */
  revoke(id: string, at: string): Promise<boolean>;
  /** Revokes every live session of the user; answers how many. */
  revokeByUser(userId: string, at: string): Promise<number>;
}

// Issue #24 (lease): the lease rides on a run's first write; a run's guards commit with its save.

/** A session's lease as a run's first write takes it: SessionStore.claim's arguments. */
export interface LeaseClaim {
  sessionId: string;
  expectedRevision: number;
  leaseUntil: string;
  now: string;
}

/**
 * A named compare-and-set a change runs in its own transaction (ChangeRecords.guards): the
 * statement of the store operation of the same name. One that changes no row rolls back the change.
 */
export type StoreGuard =
  | { op: 'authenticators.advanceTimeStep'; id: string; timeStep: number; at: string }
  | { op: 'recoveryCodes.consume'; id: string; at: string };

/** Thrown by a change whose guard changed no row; the change wrote nothing. */
export class GuardFailed extends Error {
  constructor(readonly guard: StoreGuard) {
    super(`guard ${guard.op} refused`);
    this.name = 'GuardFailed';
  }
}
