/**
 * The SQLite store: every interface of store.ts over one better-sqlite3 connection. Several
 * processes may share the file (WAL); every guard is decided in SQL, none in this process.
 */
import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { createPrivateFile, ensurePrivateDir, restrictFile } from '../../security/private-files.js';
import type {
  OidcClientStore,
  OidcModelStore,
  AttemptStore,
  AuthenticatorStore,
  CounterStore,
  EmailLinkStore,
  JourneyStore,
  OutboxStore,
  RecoveryCodeStore,
  SessionStore,
  SigningKeyStore,
  Store,
  TimelineStore,
  UsedTokenStore,
  UserStore,
  AuditStore,
  WebhookStore,
  AnalyticsStore,
  AuthsignalActionStore,
  AuthsignalSessionStore,
} from '../store.js';
import { SqliteCounters } from './counters.js';
import { SqliteAttempts, SqliteAuthenticators, SqliteRecoveryCodes } from './credentials.js';
import { SqliteEmailLinks } from './email-links.js';
import { SqliteAuthsignalActions } from './authsignal-actions.js';
import { SqliteAuthsignalSessions } from './authsignal-sessions.js';
import { SqliteJourneys } from './journeys.js';
import { migrate } from './migrations.js';
import { SqliteOutbox } from './outbox.js';
import { SqliteSessions, SqliteTimelines } from './sessions.js';
import { cachePreparedStatements } from './statement-cache.js';
import { SqliteSigningKeys, SqliteUsedTokens } from './tokens.js';
import { SqliteUsers } from './users.js';
import { SqliteOidcClients, SqliteOidcModels } from './oidc.js';
import { SqliteAudit } from './audit.js';
import { SqliteWebhooks } from './webhooks.js';
import { SqliteAnalytics } from './analytics.js';
import { startWalCheckpointer, WAL_AUTOCHECKPOINT_PAGES, type WalCheckpointer } from './wal-checkpointer.js';

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
  // The automatic checkpoint is the bound behind wal-checkpointer.ts's thread; a WAL that a long
  // reader inflated past it is truncated back to it once a checkpoint resets it.
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  db.pragma(`journal_size_limit = ${WAL_AUTOCHECKPOINT_PAGES * 4096}`);
  try {
    migrate(db);
  } catch (error) {
    // A refused (newer) or failed schema must not leave the file open in this process.
    db.close();
    throw error;
  }
  if (created) for (const suffix of ['-wal', '-shm']) restrictFile(path + suffix);
  cachePreparedStatements(db);
  const checkpointer = path === ':memory:' ? null : startWalCheckpointer(db);
  return new SqliteStore(db, checkpointer);
}

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
  readonly oidc: OidcModelStore;
  readonly oidcClients: OidcClientStore;
  readonly audit: AuditStore;
  readonly webhooks: WebhookStore;
  readonly analytics: AnalyticsStore;
  readonly authsignalActions: AuthsignalActionStore;
  readonly authsignalSessions: AuthsignalSessionStore;

  constructor(
    private readonly db: Database.Database,
    private readonly checkpointer: WalCheckpointer | null,
  ) {
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
    this.oidc = new SqliteOidcModels(db);
    this.oidcClients = new SqliteOidcClients(db);
    this.audit = new SqliteAudit(db);
    this.webhooks = new SqliteWebhooks(db);
    this.analytics = new SqliteAnalytics(db);
    this.authsignalActions = new SqliteAuthsignalActions(db);
    this.authsignalSessions = new SqliteAuthsignalSessions(db);
  }

  async ping(): Promise<boolean> {
    try {
      return this.db.prepare('SELECT 1 AS ok').get() !== undefined;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }
}
