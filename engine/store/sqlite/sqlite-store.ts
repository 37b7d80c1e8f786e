import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import type { JsonObject } from '../../steps/step-types.js';
import {
  RevisionConflictError,
  normaliseUsername,
  type AttemptState,
  type AttemptStore,
  type AuthenticatorRecord,
  type AuthenticatorStore,
  type CounterStore,
  type DraftRecord,
  type EmailLinkStore,
  type JourneyStore,
  type JourneySummary,
  type OutboxMessage,
  type OutboxStore,
  type RecoveryCodeRecord,
  type RecoveryCodeStore,
  type SessionRecord,
  type SessionStore,
  type SigningKeyRecord,
  type SigningKeyStore,
  type Store,
  type StoredUser,
  type TimelineEvent,
  type TimelineStore,
  type UsedTokenStore,
  type UserStore,
  type VersionRecord,
} from '../store.js';
import { createPrivateFile, ensurePrivateDir, restrictFile } from '../../security/private-files.js';
import { sqliteMigrations } from './migrations.js';
import { SqliteEmailLinks } from './email-links.js';

type Row = Record<string, any>;

/**
 * Opens (creating when needed) a SQLite database file in WAL mode and applies pending migrations.
 * A new file is created 0600 in a directory created 0700 (private-files.ts); SQLite gives its
 * -wal and -shm files the database file's mode, and they are set once more here.
 */
export function openSqliteStore(path: string): Store {
  let created = false;
  if (path !== ':memory:') {
    ensurePrivateDir(dirname(path));
    created = createPrivateFile(path);
  }
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  if (created) for (const suffix of ['-wal', '-shm']) restrictFile(path + suffix);
  cachePreparedStatements(db);
  return new SqliteStore(db);
}

/**
 * (Statements with RETURNING are read with `.all()`, never `.get()`: `.get()` stops after the first
 * row, and an error while finishing the statement, such as a full disk at commit, would be lost.)
 *
 * Compiling SQL costs more than running these small statements: each distinct SQL text is
 * prepared once per connection and reused. (Every statement here is used in one mode only, so a
 * `.pluck()` set on a cached statement is always the one its caller wants.)
 */
function cachePreparedStatements(db: Database.Database): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  }) as typeof db.prepare;
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  for (const migration of sqliteMigrations) {
    if (applied.has(migration.version)) continue;
    // IMMEDIATE: two processes opening a fresh file at once must not both migrate.
    db.transaction(() => {
      const again = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version);
      if (again) return;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        new Date().toISOString(),
      );
    }).immediate();
  }
}

const json = (value: unknown): string => JSON.stringify(value);
const parse = <T>(text: string): T => JSON.parse(text) as T;

class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly journeys: JourneyStore;
  readonly sessions: SessionStore;
  readonly timelines: TimelineStore;
  readonly users: UserStore;
  readonly authenticators: AuthenticatorStore;
  readonly attempts: AttemptStore;
  readonly recoveryCodes: RecoveryCodeStore;
  readonly counters: CounterStore;
  readonly outbox: OutboxStore;
  readonly signingKeys: SigningKeyStore;
  readonly usedTokens: UsedTokenStore;
  readonly links: EmailLinkStore;

  constructor(private readonly db: Database.Database) {
    this.journeys = new SqliteJourneys(db);
    this.sessions = new SqliteSessions(db);
    this.timelines = new SqliteTimelines(db);
    this.users = new SqliteUsers(db);
    this.authenticators = new SqliteAuthenticators(db);
    this.attempts = new SqliteAttempts(db);
    this.recoveryCodes = new SqliteRecoveryCodes(db);
    this.counters = new SqliteCounters(db);
    this.outbox = new SqliteOutbox(db);
    this.signingKeys = new SqliteSigningKeys(db);
    this.usedTokens = new SqliteUsedTokens(db);
    this.links = new SqliteEmailLinks(db);
  }

  async ping(): Promise<boolean> {
    try {
      return this.db.prepare('SELECT 1 AS ok').get() !== undefined;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

class SqliteJourneys implements JourneyStore {
  constructor(private readonly db: Database.Database) {}

  async list(): Promise<JourneySummary[]> {
    const rows = this.db
      .prepare(
        `SELECT d.id, d.name, d.updated_at,
                (SELECT MAX(version) FROM journey_versions v WHERE v.journey_id = d.id AND v.deleted = 0) AS latest
           FROM journey_drafts d ORDER BY d.id`,
      )
      .all() as Row[];
    return rows.map((r) => ({ id: r.id, name: r.name, updatedAt: r.updated_at, latestVersion: r.latest ?? null }));
  }

  async getDraft(id: string): Promise<DraftRecord | null> {
    const r = this.db.prepare('SELECT * FROM journey_drafts WHERE id = ?').get(id) as Row | undefined;
    return r ? { id: r.id, document: parse(r.document), revision: r.revision, updatedAt: r.updated_at } : null;
  }

  async isKnown(id: string): Promise<boolean> {
    return (
      this.db
        .prepare('SELECT 1 FROM journey_drafts WHERE id = ? UNION ALL SELECT 1 FROM journey_version_counters WHERE journey_id = ? LIMIT 1')
        .get(id, id) !== undefined
    );
  }

  async saveDraft(id: string, document: JsonObject, at: string, expectedRevision?: number): Promise<DraftRecord> {
    const name = typeof document.name === 'string' ? document.name : id;
    return this.db.transaction(() => {
      const current = this.db.prepare('SELECT revision FROM journey_drafts WHERE id = ?').get(id) as Row | undefined;
      if (expectedRevision !== undefined && (current?.revision ?? 0) !== expectedRevision) throw new RevisionConflictError();
      const revision = (current?.revision ?? 0) + 1;
      this.db
        .prepare(
          `INSERT INTO journey_drafts (id, name, document, revision, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, document = excluded.document,
             revision = excluded.revision, updated_at = excluded.updated_at`,
        )
        .run(id, name, json(document), revision, at);
      return { id, document, revision, updatedAt: at };
    }).immediate();
  }

  async delete(id: string): Promise<boolean> {
    return this.db.transaction(() => {
      const drafts = this.db.prepare('DELETE FROM journey_drafts WHERE id = ?').run(id).changes;
      const versions = this.db.prepare('UPDATE journey_versions SET deleted = 1 WHERE journey_id = ? AND deleted = 0').run(id).changes;
      return drafts + versions > 0;
    }).immediate();
  }

  async publish(id: string, documentHash: string, document: JsonObject, at: string): Promise<VersionRecord> {
    return this.db.transaction(() => {
      this.db.prepare('INSERT OR IGNORE INTO journey_documents (hash, document) VALUES (?, ?)').run(documentHash, json(document));
      const version = this.db
        .prepare(
          `INSERT INTO journey_version_counters (journey_id, last_version) VALUES (?, 1)
           ON CONFLICT (journey_id) DO UPDATE SET last_version = last_version + 1 RETURNING last_version`,
        )
        .pluck()
        .all(id)[0] as number;
      this.db
        .prepare('INSERT INTO journey_versions (journey_id, version, document_hash, published_at) VALUES (?, ?, ?, ?)')
        .run(id, version, documentHash, at);
      return { journeyId: id, version, documentHash, publishedAt: at };
    }).immediate();
  }

  async listVersions(id: string): Promise<VersionRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM journey_versions WHERE journey_id = ? AND deleted = 0 ORDER BY version')
      .all(id) as Row[];
    return rows.map(toVersion);
  }

  async getVersion(id: string, version: number): Promise<VersionRecord | null> {
    const r = this.db
      .prepare('SELECT * FROM journey_versions WHERE journey_id = ? AND version = ? AND deleted = 0')
      .get(id, version) as Row | undefined;
    return r ? toVersion(r) : null;
  }

  async getLatestVersion(id: string): Promise<VersionRecord | null> {
    const r = this.db
      .prepare('SELECT * FROM journey_versions WHERE journey_id = ? AND deleted = 0 ORDER BY version DESC LIMIT 1')
      .get(id) as Row | undefined;
    return r ? toVersion(r) : null;
  }

  async putDocument(hash: string, document: JsonObject): Promise<void> {
    this.db.prepare('INSERT OR IGNORE INTO journey_documents (hash, document) VALUES (?, ?)').run(hash, json(document));
  }

  async getDocument(hash: string): Promise<JsonObject | null> {
    const text = this.db.prepare('SELECT document FROM journey_documents WHERE hash = ?').pluck().get(hash) as string | undefined;
    return text === undefined ? null : parse(text);
  }
}

const toVersion = (r: Row): VersionRecord => ({
  journeyId: r.journey_id,
  version: r.version,
  documentHash: r.document_hash,
  publishedAt: r.published_at,
});

class SqliteSessions implements SessionStore {
  constructor(private readonly db: Database.Database) {}

  async create(s: SessionRecord, events: TimelineEvent[] = []): Promise<void> {
    this.db.transaction(() => {
      this.insert(s);
      appendEvents(this.db, s.id, events);
    })();
  }

  private insert(s: SessionRecord): void {
    this.db
      .prepare(
        `INSERT INTO sessions (id, journey_id, journey_version, document_hash, status, step_id, user_id, snapshot, revision,
           token_hash, test_run, created_at, updated_at, expires_at, lease_until)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.id,
        s.journeyId,
        s.journeyVersion,
        s.documentHash,
        s.status,
        s.stepId,
        s.userId,
        json(s.snapshot),
        s.revision,
        s.tokenHash,
        s.testRun ? 1 : 0,
        s.createdAt,
        s.updatedAt,
        s.expiresAt,
        s.leaseUntil,
      );
  }

  async get(id: string): Promise<SessionRecord | null> {
    const r = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as Row | undefined;
    return r ? toSession(r) : null;
  }

  async claim(id: string, expectedRevision: number, leaseUntil: string, now: string): Promise<number | null> {
    const revision = this.db
      .prepare(
        `UPDATE sessions SET revision = revision + 1, lease_until = ?
          WHERE id = ? AND revision = ? AND (lease_until IS NULL OR lease_until < ?) RETURNING revision`,
      )
      .pluck()
      .all(leaseUntil, id, expectedRevision, now)[0] as number | undefined;
    return revision ?? null;
  }

  async save(id: string, claimedRevision: number, u: import('../store.js').SessionUpdate, events: TimelineEvent[] = []): Promise<boolean> {
    return this.db.transaction(() => {
      const result = this.db
        .prepare(
          `UPDATE sessions SET status = ?, step_id = ?, user_id = ?, snapshot = ?, updated_at = ?, revision = revision + 1,
             lease_until = NULL WHERE id = ? AND revision = ?`,
        )
        .run(u.status, u.stepId, u.userId, json(u.snapshot), u.updatedAt, id, claimedRevision);
      if (result.changes !== 1) return false;
      appendEvents(this.db, id, events);
      return true;
    })();
  }

  async release(id: string, claimedRevision: number): Promise<void> {
    this.db
      .prepare('UPDATE sessions SET revision = revision + 1, lease_until = NULL WHERE id = ? AND revision = ?')
      .run(id, claimedRevision);
  }

  async renewLease(id: string, claimedRevision: number, leaseUntil: string): Promise<boolean> {
    return this.db.prepare('UPDATE sessions SET lease_until = ? WHERE id = ? AND revision = ? AND lease_until IS NOT NULL').run(leaseUntil, id, claimedRevision).changes === 1;
  }

  async list(filter: import('../store.js').SessionFilter): Promise<SessionRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.journeyId) {
      where.push('journey_id = ?');
      params.push(filter.journeyId);
    }
    if (filter.status) {
      where.push('status = ?');
      params.push(filter.status);
    }
    const sql = `SELECT * FROM sessions ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, id LIMIT ?`;
    return (this.db.prepare(sql).all(...params, filter.limit) as Row[]).map(toSession);
  }

  async deleteExpired(before: string): Promise<number> {
    return this.db.transaction(() => {
      const ids = this.db.prepare('SELECT id FROM sessions WHERE expires_at < ?').pluck().all(before) as string[];
      const dropTimeline = this.db.prepare('DELETE FROM timeline_events WHERE session_id = ?');
      for (const id of ids) dropTimeline.run(id);
      return this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(before).changes;
    }).immediate();
  }
}

const toSession = (r: Row): SessionRecord => ({
  id: r.id,
  journeyId: r.journey_id,
  journeyVersion: r.journey_version,
  documentHash: r.document_hash,
  status: r.status,
  stepId: r.step_id,
  userId: r.user_id,
  snapshot: parse(r.snapshot),
  revision: r.revision,
  tokenHash: r.token_hash,
  testRun: r.test_run === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  expiresAt: r.expires_at,
  leaseUntil: r.lease_until,
});

/** One statement for a run's events: SQLite walks the JSON array in order, so `seq` keeps their order. */
function appendEvents(db: Database.Database, sessionId: string, events: TimelineEvent[]): void {
  if (events.length === 0) return;
  db.prepare('INSERT INTO timeline_events (session_id, event) SELECT ?, value FROM json_each(?) ORDER BY key').run(sessionId, json(events));
}

class SqliteTimelines implements TimelineStore {
  constructor(private readonly db: Database.Database) {}

  async append(sessionId: string, events: TimelineEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.db.transaction(() => appendEvents(this.db, sessionId, events))();
  }

  async list(sessionId: string): Promise<TimelineEvent[]> {
    const rows = this.db.prepare('SELECT event FROM timeline_events WHERE session_id = ? ORDER BY seq').pluck().all(sessionId) as string[];
    return rows.map((text) => parse<TimelineEvent>(text));
  }
}

class SqliteUsers implements UserStore {
  constructor(private readonly db: Database.Database) {}

  async create(user: StoredUser): Promise<StoredUser> {
    const normalised = user.username === null ? null : normaliseUsername(user.username);
    return this.db.transaction(() => {
      if (normalised !== null) {
        const existing = this.db.prepare('SELECT * FROM users WHERE username_normalised = ?').get(normalised) as Row | undefined;
        if (existing) return toUser(existing);
      }
      const byId = this.db.prepare('SELECT * FROM users WHERE id = ?').get(user.id) as Row | undefined;
      if (byId) return toUser(byId);
      this.db
        .prepare('INSERT INTO users (id, username, username_normalised, attributes, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(user.id, user.username, normalised, json(user.attributes), user.createdAt);
      return user;
    }).immediate();
  }

  async findById(id: string): Promise<StoredUser | null> {
    const r = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
    return r ? toUser(r) : null;
  }

  async findByUsername(username: string): Promise<StoredUser | null> {
    const r = this.db.prepare('SELECT * FROM users WHERE username_normalised = ?').get(normaliseUsername(username)) as Row | undefined;
    return r ? toUser(r) : null;
  }

  async list(filter: { username?: string; limit: number }): Promise<StoredUser[]> {
    const rows =
      filter.username !== undefined
        ? (this.db.prepare('SELECT * FROM users WHERE username_normalised = ? LIMIT ?').all(normaliseUsername(filter.username), filter.limit) as Row[])
        : (this.db.prepare('SELECT * FROM users ORDER BY created_at, id LIMIT ?').all(filter.limit) as Row[]);
    return rows.map(toUser);
  }

  async delete(id: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM authenticators WHERE user_id = ?').run(id);
      this.db.prepare('DELETE FROM recovery_codes WHERE user_id = ?').run(id);
      this.db.prepare('DELETE FROM credential_attempts WHERE subject = ?').run(id);
      // Their sessions, with what those sessions recorded and sent.
      const sessions = this.db.prepare('SELECT id FROM sessions WHERE user_id = ?').pluck().all(id) as string[];
      for (const sessionId of sessions) {
        this.db.prepare('DELETE FROM timeline_events WHERE session_id = ?').run(sessionId);
        this.db.prepare('DELETE FROM outbox WHERE session_id = ?').run(sessionId);
      }
      this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(id);
      return this.db.prepare('DELETE FROM users WHERE id = ?').run(id).changes === 1;
    }).immediate();
  }
}

const toUser = (r: Row): StoredUser => ({
  id: r.id,
  username: r.username,
  attributes: parse(r.attributes),
  createdAt: r.created_at,
});

class SqliteAuthenticators implements AuthenticatorStore {
  constructor(private readonly db: Database.Database) {}

  async create(a: AuthenticatorRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO authenticators (id, user_id, type, sealed_secret, params, confirmed_at, created_at, last_used_at, last_time_step)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(a.id, a.userId, a.type, a.sealedSecret, json(a.params), a.confirmedAt, a.createdAt, a.lastUsedAt, a.lastTimeStep);
  }

  async get(id: string): Promise<AuthenticatorRecord | null> {
    const r = this.db.prepare('SELECT * FROM authenticators WHERE id = ?').get(id) as Row | undefined;
    return r ? toAuthenticator(r) : null;
  }

  async listByUser(userId: string): Promise<AuthenticatorRecord[]> {
    return (this.db.prepare('SELECT * FROM authenticators WHERE user_id = ? ORDER BY created_at, id').all(userId) as Row[]).map(toAuthenticator);
  }

  async confirm(id: string, at: string): Promise<void> {
    this.db.prepare('UPDATE authenticators SET confirmed_at = ? WHERE id = ? AND confirmed_at IS NULL').run(at, id);
  }

  async confirmEnrolment(
    id: string,
    userId: string,
    at: string,
    options: { replaceExisting: boolean; recoveryCodes?: RecoveryCodeRecord[] },
  ): Promise<boolean> {
    // IMMEDIATE: the write lock is taken before the checks, so no other process confirms in between.
    return this.db.transaction(() => {
      const pending = this.db
        .prepare('SELECT type FROM authenticators WHERE id = ? AND user_id = ? AND confirmed_at IS NULL')
        .get(id, userId) as Row | undefined;
      if (!pending) return false;
      if (!options.replaceExisting) {
        const other = this.db
          .prepare('SELECT 1 FROM authenticators WHERE user_id = ? AND type = ? AND id <> ? AND confirmed_at IS NOT NULL LIMIT 1')
          .get(userId, pending.type, id);
        if (other) return false;
      }
      // Replacing: every other of the type goes; otherwise only the other pending ones (there is no confirmed one).
      this.db.prepare('DELETE FROM authenticators WHERE user_id = ? AND type = ? AND id <> ?').run(userId, pending.type, id);
      this.db.prepare('UPDATE authenticators SET confirmed_at = ? WHERE id = ?').run(at, id);
      if (options.recoveryCodes) {
        const insert = this.db.prepare('INSERT INTO recovery_codes (id, user_id, salt, hash, created_at, used_at) VALUES (?, ?, ?, ?, ?, ?)');
        this.db.prepare('DELETE FROM recovery_codes WHERE user_id = ?').run(userId);
        for (const c of options.recoveryCodes) insert.run(c.id, userId, c.salt, c.hash, c.createdAt, c.usedAt);
      }
      return true;
    }).immediate();
  }

  async advanceTimeStep(id: string, timeStep: number, at: string): Promise<boolean> {
    const result = this.db
      .prepare(
        `UPDATE authenticators SET last_time_step = ?, last_used_at = ?
          WHERE id = ? AND (last_time_step IS NULL OR last_time_step < ?)`,
      )
      .run(timeStep, at, id, timeStep);
    return result.changes === 1;
  }

  async delete(userId: string, id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM authenticators WHERE id = ? AND user_id = ?').run(id, userId).changes === 1;
  }

  async listSealedNotUnder(keyId: string, limit: number): Promise<Array<{ id: string; sealedSecret: string }>> {
    const rows = this.db
      .prepare("SELECT id, sealed_secret FROM authenticators WHERE sealed_secret IS NOT NULL AND substr(sealed_secret, 1, ?) <> ? LIMIT ?")
      .all(`v1.${keyId}.`.length, `v1.${keyId}.`, limit) as Row[];
    return rows.map((r) => ({ id: r.id, sealedSecret: r.sealed_secret }));
  }

  async updateSealedSecret(id: string, sealedSecret: string): Promise<void> {
    this.db.prepare('UPDATE authenticators SET sealed_secret = ? WHERE id = ?').run(sealedSecret, id);
  }
}

const toAuthenticator = (r: Row): AuthenticatorRecord => ({
  id: r.id,
  userId: r.user_id,
  type: r.type,
  sealedSecret: r.sealed_secret,
  params: parse(r.params),
  confirmedAt: r.confirmed_at,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  lastTimeStep: r.last_time_step,
});

class SqliteAttempts implements AttemptStore {
  constructor(private readonly db: Database.Database) {}

  async reserve(key: string, meta: { kind: string; subject: string | null }, maxFailures: number, now: string, lockUntil: string): Promise<number | null> {
    // One statement: the count, the limit and the lock are decided atomically in the database.
    const failures = this.db
      .prepare(
        `INSERT INTO credential_attempts (key, kind, subject, failures, locked_until)
         VALUES (@key, @kind, @subject, 1, CASE WHEN 1 >= @max THEN @lockUntil ELSE NULL END)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failures + 1 END,
           locked_until = CASE WHEN (CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failures + 1 END) >= @max
                               THEN @lockUntil ELSE NULL END
         WHERE locked_until IS NULL OR locked_until <= @now
         RETURNING failures`,
      )
      .pluck()
      .all({ key, kind: meta.kind, subject: meta.subject, max: maxFailures, now, lockUntil })[0] as number | undefined;
    return failures ?? null;
  }

  async reset(key: string): Promise<void> {
    this.db.prepare('UPDATE credential_attempts SET failures = 0, locked_until = NULL WHERE key = ?').run(key);
  }

  async get(key: string): Promise<AttemptState | null> {
    const r = this.db.prepare('SELECT * FROM credential_attempts WHERE key = ?').get(key) as Row | undefined;
    return r ? toAttempt(r) : null;
  }

  async listBySubject(subject: string): Promise<AttemptState[]> {
    return (this.db.prepare('SELECT * FROM credential_attempts WHERE subject = ? ORDER BY key').all(subject) as Row[]).map(toAttempt);
  }

  async clearSubject(subject: string): Promise<number> {
    return this.db.prepare('DELETE FROM credential_attempts WHERE subject = ?').run(subject).changes;
  }
}

const toAttempt = (r: Row): AttemptState => ({
  key: r.key,
  kind: r.kind,
  subject: r.subject,
  failures: r.failures,
  lockedUntil: r.locked_until,
});

class SqliteRecoveryCodes implements RecoveryCodeStore {
  constructor(private readonly db: Database.Database) {}

  async replace(userId: string, codes: RecoveryCodeRecord[]): Promise<void> {
    const insert = this.db.prepare('INSERT INTO recovery_codes (id, user_id, salt, hash, created_at, used_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM recovery_codes WHERE user_id = ?').run(userId);
      for (const c of codes) insert.run(c.id, userId, c.salt, c.hash, c.createdAt, c.usedAt);
    }).immediate();
  }

  async listUnused(userId: string): Promise<RecoveryCodeRecord[]> {
    const rows = this.db.prepare('SELECT * FROM recovery_codes WHERE user_id = ? AND used_at IS NULL ORDER BY id').all(userId) as Row[];
    return rows.map((r) => ({ id: r.id, userId: r.user_id, salt: r.salt, hash: r.hash, createdAt: r.created_at, usedAt: r.used_at }));
  }

  async consume(id: string, at: string): Promise<boolean> {
    return this.db.prepare('UPDATE recovery_codes SET used_at = ? WHERE id = ? AND used_at IS NULL').run(at, id).changes === 1;
  }
}

class SqliteCounters implements CounterStore {
  constructor(private readonly db: Database.Database) {}

  async increment(key: string, windowSeconds: number, now: string): Promise<number> {
    const cutoff = new Date(Date.parse(now) - windowSeconds * 1000).toISOString();
    return this.db
      .prepare(
        `INSERT INTO counters (key, window_start, count) VALUES (@key, @now, 1)
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN window_start <= @cutoff THEN 1 ELSE count + 1 END,
           window_start = CASE WHEN window_start <= @cutoff THEN @now ELSE window_start END
         RETURNING count`,
      )
      .pluck()
      .all({ key, now, cutoff })[0] as number;
  }

  async deleteStale(before: string): Promise<number> {
    return this.db.prepare('DELETE FROM counters WHERE window_start < ?').run(before).changes;
  }
}

class SqliteOutbox implements OutboxStore {
  constructor(private readonly db: Database.Database) {}

  async add(m: OutboxMessage): Promise<void> {
    this.db
      .prepare('INSERT INTO outbox (id, channel, recipient, body, session_id, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(m.id, m.channel, m.to, m.body, m.sessionId, m.createdAt);
  }

  async list(filter: { sessionId?: string; to?: string; limit: number }): Promise<OutboxMessage[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.sessionId) {
      where.push('session_id = ?');
      params.push(filter.sessionId);
    }
    if (filter.to) {
      where.push('recipient = ?');
      params.push(filter.to);
    }
    const sql = `SELECT * FROM outbox ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, rowid DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, filter.limit) as Row[]).map((r) => ({
      id: r.id,
      channel: r.channel,
      to: r.recipient,
      body: r.body,
      sessionId: r.session_id,
      createdAt: r.created_at,
    }));
  }
}

class SqliteSigningKeys implements SigningKeyStore {
  constructor(private readonly db: Database.Database) {}

  async list(): Promise<SigningKeyRecord[]> {
    return (this.db.prepare('SELECT * FROM signing_keys ORDER BY created_at, kid').all() as Row[]).map((r) => ({
      kid: r.kid,
      publicJwk: parse(r.public_jwk),
      sealedPrivateJwk: r.sealed_private_jwk,
      createdAt: r.created_at,
      retiredAt: r.retired_at,
    }));
  }

  async updateSealed(kid: string, sealedPrivateJwk: string): Promise<void> {
    this.db.prepare('UPDATE signing_keys SET sealed_private_jwk = ? WHERE kid = ?').run(sealedPrivateJwk, kid);
  }

  async add(k: SigningKeyRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO signing_keys (kid, public_jwk, sealed_private_jwk, created_at, retired_at) VALUES (?, ?, ?, ?, ?)')
      .run(k.kid, json(k.publicJwk), k.sealedPrivateJwk, k.createdAt, k.retiredAt);
  }
}

class SqliteUsedTokens implements UsedTokenStore {
  constructor(private readonly db: Database.Database) {}

  async markUsed(jti: string, expiresAt: string): Promise<boolean> {
    return this.db.prepare('INSERT OR IGNORE INTO used_tokens (jti, expires_at) VALUES (?, ?)').run(jti, expiresAt).changes === 1;
  }

  async deleteExpired(before: string): Promise<number> {
    return this.db.prepare('DELETE FROM used_tokens WHERE expires_at < ?').run(before).changes;
  }
}
