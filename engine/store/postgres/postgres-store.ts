/**
 * The PostgreSQL store: every interface of store.ts over one connection pool per process. Several
 * processes share the database; every guard is decided in SQL, none in this process.
 */
import type pg from 'pg';
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
import { PostgresCounters } from './counters.js';
import { PostgresEmailLinks } from './email-links.js';
import { PostgresAuthsignalActions } from './authsignal-actions.js';
import { PostgresAuthsignalSessions } from './authsignal-sessions.js';
import { PostgresAttempts, PostgresAuthenticators, PostgresRecoveryCodes } from './credentials.js';
import { PostgresJourneys } from './journeys.js';
import { migrate } from './migrations.js';
import { PostgresOutbox } from './outbox.js';
import { createPool, parsePostgresUrl, type PostgresOptions } from './pool.js';
import { PostgresSessions, PostgresTimelines } from './sessions.js';
import { PostgresSigningKeys, PostgresUsedTokens } from './tokens.js';
import { PostgresUsers } from './users.js';
import { PostgresOidcClients, PostgresOidcModels } from './oidc.js';
import { PostgresAudit } from './audit.js';
import { PostgresWebhooks } from './webhooks.js';
import { PostgresAnalytics } from './analytics.js';

/**
 * Connects to a `postgres://` URL (`?schema=NAME` keeps the tables in that schema, created when
 * missing; `?pool_size=N` sizes the pool, default 10) and applies pending migrations.
 */
export async function openPostgresStore(url: string, options: PostgresOptions = {}): Promise<Store> {
  const target = parsePostgresUrl(url, options);
  const pool = createPool(target);
  try {
    await migrate(pool, target.schema);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return new PostgresStore(pool);
}

class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
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
  private closing: Promise<void> | null = null;

  constructor(private readonly pool: pg.Pool) {
    this.journeys = new PostgresJourneys(pool);
    this.sessions = new PostgresSessions(pool);
    this.timelines = new PostgresTimelines(pool);
    this.users = new PostgresUsers(pool);
    this.authenticators = new PostgresAuthenticators(pool);
    this.attempts = new PostgresAttempts(pool);
    this.recoveryCodes = new PostgresRecoveryCodes(pool);
    this.counters = new PostgresCounters(pool);
    this.outbox = new PostgresOutbox(pool);
    this.signingKeys = new PostgresSigningKeys(pool);
    this.usedTokens = new PostgresUsedTokens(pool);
    this.links = new PostgresEmailLinks(pool);
    this.oidc = new PostgresOidcModels(pool);
    this.oidcClients = new PostgresOidcClients(pool);
    this.audit = new PostgresAudit(pool);
    this.webhooks = new PostgresWebhooks(pool);
    this.analytics = new PostgresAnalytics(pool);
    this.authsignalActions = new PostgresAuthsignalActions(pool);
    this.authsignalSessions = new PostgresAuthsignalSessions(pool);
  }

  async ping(): Promise<boolean> {
    if (this.closing) return false;
    try {
      // /readyz must answer quickly even when the database does not.
      const deadline = new Promise<false>((resolve) => setTimeout(() => resolve(false), 800).unref());
      return await Promise.race([this.pool.query('SELECT 1 AS ok').then((r) => r.rowCount === 1), deadline]);
    } catch {
      return false;
    }
  }

  /** Ends the pool once; later calls wait for that (pg throws on a second end()). */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}
