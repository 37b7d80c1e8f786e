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
  saveDraft(id: string, document: JsonObject, at: string, expectedRevision?: number): Promise<DraftRecord>;
  /** Deletes the draft and hides the versions (sessions keep their documents). */
  delete(id: string): Promise<boolean>;
  /** Stores the document under its hash (idempotent) and assigns the next version number, never reused. */
  publish(id: string, documentHash: string, document: JsonObject, at: string): Promise<VersionRecord>;
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
  create(record: SessionRecord, events?: TimelineEvent[]): Promise<void>;
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
  save(id: string, claimedRevision: number, update: SessionUpdate, events?: TimelineEvent[]): Promise<boolean>;
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
  delete(id: string): Promise<boolean>;
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
}

export interface AuthenticatorStore {
  create(record: AuthenticatorRecord): Promise<void>;
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
    options: { replaceExisting: boolean; recoveryCodes?: RecoveryCodeRecord[] },
  ): Promise<boolean>;
  /** Accepts `timeStep` only when it is later than the last accepted one (atomic); marks the use. */
  advanceTimeStep(id: string, timeStep: number, at: string): Promise<boolean>;
  delete(userId: string, id: string): Promise<boolean>;
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
  reserve(key: string, meta: { kind: string; subject: string | null }, maxFailures: number, now: string, lockUntil: string): Promise<number | null>;
  /** After a success: failures and lock cleared. */
  reset(key: string): Promise<void>;
  get(key: string): Promise<AttemptState | null>;
  listBySubject(subject: string): Promise<AttemptState[]>;
  /** Clears every count and lock of a subject (admin unlock). */
  clearSubject(subject: string): Promise<number>;
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

export type SigningKeyUse = 'tokens' | 'oidc';
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
  /** False when the id is taken. */
  create(client: OidcClientRecord): Promise<boolean>;
  get(id: string): Promise<OidcClientRecord | null>;
  list(): Promise<OidcClientRecord[]>;
  /** Replaces the client; false when there is none. */
  update(client: OidcClientRecord): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  /** Ids of the clients whose default journey or acr map names the journey. */
  usingJourney(journeyId: string): Promise<string[]>;
}
