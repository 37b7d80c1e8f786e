/**
 * Versioned schema migrations for PostgreSQL, numbered like the SQLite ones (same tables, same
 * meaning), and their driver. Several processes may start at once on one database: the first to
 * take the advisory lock migrates, the others wait for it and then find nothing left to do.
 */
import type pg from 'pg';
import { migrationSteps, type Migration, type MigrationSteps } from '../migration-runner.js';
import { postgresCodec } from './codec.js';
import { inTransaction } from './pool.js';

/**
 * Text compared byte by byte, as SQLite does: ISO timestamps are stored as the TEXT the interfaces
 * pass (so they answer exactly what was given) and must compare and sort chronologically, and ids
 * must sort the same in both stores, whatever the database's locale.
 */
const TEXT = 'TEXT COLLATE "C"';

/** JSON (not JSONB): keeps the document exactly as written, key order included, like SQLite's TEXT. */
const JSON_VALUE = 'JSON';

export const postgresMigrations: Migration[] = [
  {
    version: 1,
    name: 'core',
    sql: `
      CREATE TABLE journey_documents (
        hash ${TEXT} PRIMARY KEY,
        document ${JSON_VALUE} NOT NULL
      );
      CREATE TABLE journey_drafts (
        id ${TEXT} PRIMARY KEY,
        name ${TEXT} NOT NULL,
        document ${JSON_VALUE} NOT NULL,
        revision INTEGER NOT NULL,
        updated_at ${TEXT} NOT NULL
      );
      -- Survives deletion of the journey, so version numbers are never reused.
      CREATE TABLE journey_version_counters (
        journey_id ${TEXT} PRIMARY KEY,
        last_version INTEGER NOT NULL
      );
      CREATE TABLE journey_versions (
        journey_id ${TEXT} NOT NULL,
        version INTEGER NOT NULL,
        document_hash ${TEXT} NOT NULL REFERENCES journey_documents(hash),
        published_at ${TEXT} NOT NULL,
        deleted BOOLEAN NOT NULL DEFAULT false,
        PRIMARY KEY (journey_id, version)
      );
      CREATE TABLE sessions (
        id ${TEXT} PRIMARY KEY,
        journey_id ${TEXT} NOT NULL,
        journey_version INTEGER,
        document_hash ${TEXT} NOT NULL,
        status ${TEXT} NOT NULL,
        step_id ${TEXT},
        user_id ${TEXT},
        snapshot ${JSON_VALUE} NOT NULL,
        revision INTEGER NOT NULL,
        token_hash ${TEXT} NOT NULL,
        test_run BOOLEAN NOT NULL,
        created_at ${TEXT} NOT NULL,
        updated_at ${TEXT} NOT NULL,
        expires_at ${TEXT} NOT NULL,
        lease_until ${TEXT}
      );
      CREATE INDEX sessions_journey ON sessions (journey_id, created_at);
      CREATE INDEX sessions_created ON sessions (created_at);
      CREATE INDEX sessions_expiry ON sessions (expires_at);
      CREATE INDEX sessions_user ON sessions (user_id);
      -- seq keeps the order events were appended in.
      CREATE TABLE timeline_events (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        session_id ${TEXT} NOT NULL,
        event ${JSON_VALUE} NOT NULL
      );
      CREATE INDEX timeline_session ON timeline_events (session_id, seq);
      CREATE TABLE users (
        id ${TEXT} PRIMARY KEY,
        username ${TEXT},
        username_normalised ${TEXT} UNIQUE,
        attributes ${JSON_VALUE} NOT NULL,
        created_at ${TEXT} NOT NULL
      );
      CREATE INDEX users_created ON users (created_at, id);
      CREATE TABLE authenticators (
        id ${TEXT} PRIMARY KEY,
        user_id ${TEXT} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        type ${TEXT} NOT NULL,
        sealed_secret ${TEXT},
        params ${JSON_VALUE} NOT NULL,
        confirmed_at ${TEXT},
        created_at ${TEXT} NOT NULL,
        last_used_at ${TEXT},
        -- BIGINT: with a short period, time steps pass 2^31 in 2038.
        last_time_step BIGINT
      );
      CREATE INDEX authenticators_user ON authenticators (user_id);
      -- seq stands in for SQLite's rowid: messages created in the same millisecond list newest first.
      CREATE TABLE outbox (
        id ${TEXT} PRIMARY KEY,
        seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        channel ${TEXT} NOT NULL,
        recipient ${TEXT} NOT NULL,
        body ${TEXT} NOT NULL,
        session_id ${TEXT},
        created_at ${TEXT} NOT NULL
      );
      CREATE INDEX outbox_created ON outbox (created_at, seq);
      CREATE INDEX outbox_session ON outbox (session_id);
      CREATE TABLE signing_keys (
        kid ${TEXT} PRIMARY KEY,
        public_jwk ${JSON_VALUE} NOT NULL,
        sealed_private_jwk ${TEXT} NOT NULL,
        created_at ${TEXT} NOT NULL,
        retired_at ${TEXT}
      );
      CREATE TABLE used_tokens (
        jti ${TEXT} PRIMARY KEY,
        expires_at ${TEXT} NOT NULL
      );
      CREATE INDEX used_tokens_expiry ON used_tokens (expires_at);
    `,
  },
  {
    version: 2,
    name: 'credential attempts and recovery codes',
    sql: `
      -- Failure counts and lockouts per credential (e.g. a user's TOTP), shared by every process.
      CREATE TABLE credential_attempts (
        key ${TEXT} PRIMARY KEY,
        kind ${TEXT} NOT NULL,
        subject ${TEXT},
        failures INTEGER NOT NULL,
        locked_until ${TEXT}
      );
      CREATE INDEX credential_attempts_subject ON credential_attempts (subject);
      CREATE TABLE recovery_codes (
        id ${TEXT} PRIMARY KEY,
        user_id ${TEXT} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        salt ${TEXT} NOT NULL,
        hash ${TEXT} NOT NULL,
        created_at ${TEXT} NOT NULL,
        used_at ${TEXT}
      );
      CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
    `,
  },
  {
    version: 3,
    name: 'counters',
    sql: `
      CREATE TABLE counters (
        key ${TEXT} PRIMARY KEY,
        window_start ${TEXT} NOT NULL,
        count INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'email links',
    sql: `
      -- Single-use email links (email.link): the token only as its sha256, per session and step.
      CREATE TABLE email_links (
        id ${TEXT} PRIMARY KEY,
        token_hash ${TEXT} NOT NULL UNIQUE,
        session_id ${TEXT} NOT NULL,
        step_id ${TEXT} NOT NULL,
        device_hash ${TEXT},
        code_hash ${TEXT},
        failures INTEGER NOT NULL DEFAULT 0,
        created_at ${TEXT} NOT NULL,
        expires_at ${TEXT} NOT NULL,
        used_at ${TEXT}
      );
      CREATE INDEX email_links_step ON email_links (session_id, step_id);
      CREATE INDEX email_links_expiry ON email_links (expires_at);
    `,
  },
  {
    version: 5,
    name: 'passkeys',
    sql: `
      -- Passkeys are authenticators of type 'passkey' (public key and flags in params): only the
      -- WebAuthn signature counter needs a column, for its compare-and-set.
      ALTER TABLE authenticators ADD COLUMN sign_count BIGINT;
    `,
  },
  // ---- OpenID Connect provider (#18) ----
  {
    version: 6,
    name: 'openid provider',
    sql: `
      -- Signing keys say what they sign and how: result tokens (ES256) or the OpenID provider (RS256, ES256).
      ALTER TABLE signing_keys ADD COLUMN use ${TEXT} NOT NULL DEFAULT 'tokens';
      ALTER TABLE signing_keys ADD COLUMN algorithm ${TEXT} NOT NULL DEFAULT 'ES256';
      -- oidc-provider's artefacts (sessions, interactions, grants, codes, tokens) by model and id.
      CREATE TABLE oidc_models (
        model ${TEXT} NOT NULL,
        id ${TEXT} NOT NULL,
        payload ${JSON_VALUE} NOT NULL,
        grant_id ${TEXT},
        user_code ${TEXT},
        uid ${TEXT},
        expires_at ${TEXT},
        consumed_at ${TEXT},
        PRIMARY KEY (model, id)
      );
      CREATE INDEX oidc_models_grant ON oidc_models (grant_id);
      CREATE INDEX oidc_models_uid ON oidc_models (model, uid);
      CREATE INDEX oidc_models_user_code ON oidc_models (model, user_code);
      CREATE INDEX oidc_models_expiry ON oidc_models (expires_at);
      -- Relying parties: metadata, the secret sealed, the journeys that sign their users in.
      CREATE TABLE oidc_clients (
        id ${TEXT} PRIMARY KEY,
        metadata ${JSON_VALUE} NOT NULL,
        sealed_secret ${TEXT},
        journey_id ${TEXT} NOT NULL,
        acr_journeys ${JSON_VALUE} NOT NULL,
        first_party BOOLEAN NOT NULL,
        created_at ${TEXT} NOT NULL,
        updated_at ${TEXT} NOT NULL
      );
    `,
  },
  // ---- Observability (#23) ----
  {
    version: 7,
    name: 'audit log and webhooks',
    sql: `
      -- Append-only (no route changes or deletes a row); seq orders and pages the log.
      CREATE TABLE audit_log (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id ${TEXT} NOT NULL UNIQUE,
        at ${TEXT} NOT NULL,
        actor ${TEXT} NOT NULL,
        action ${TEXT} NOT NULL,
        target_type ${TEXT} NOT NULL,
        target_id ${TEXT} NOT NULL,
        client_address ${TEXT},
        details ${JSON_VALUE} NOT NULL
      );
      CREATE INDEX audit_log_target ON audit_log (target_type, target_id, seq);
      CREATE INDEX audit_log_at ON audit_log (at);
      CREATE TABLE webhook_subscriptions (
        id ${TEXT} PRIMARY KEY,
        url ${TEXT} NOT NULL,
        -- ',a,b,' or '*': matched with one LIKE when an event is written.
        event_types ${TEXT} NOT NULL,
        -- 'standard' (Standard Webhooks); other payload formats share the outbox.
        format ${TEXT} NOT NULL,
        sealed_secret ${TEXT} NOT NULL,
        description ${TEXT},
        enabled BOOLEAN NOT NULL,
        created_at ${TEXT} NOT NULL
      );
      -- The outbox: written in the transaction of the change that raised the event.
      CREATE TABLE webhook_events (
        id ${TEXT} PRIMARY KEY,
        type ${TEXT} NOT NULL,
        at ${TEXT} NOT NULL,
        payload ${JSON_VALUE} NOT NULL
      );
      CREATE TABLE webhook_deliveries (
        id ${TEXT} PRIMARY KEY,
        event_id ${TEXT} NOT NULL REFERENCES webhook_events(id),
        subscription_id ${TEXT} NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
        status ${TEXT} NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at ${TEXT} NOT NULL,
        -- The process holding the delivery and until when: a claim fences the result it records.
        claim ${TEXT},
        lease_until ${TEXT},
        last_error ${TEXT},
        last_status INTEGER,
        delivered_at ${TEXT},
        created_at ${TEXT} NOT NULL
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
      CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
    `,
  },
  {
    version: 8,
    name: 'journey analytics rollup',
    sql: `
      -- Sums per journey version, hour the session started, step ('' for totals), metric and key
      -- (engine/store/rows/funnel.ts); written when a session ends or expires.
      CREATE TABLE journey_funnel (
        journey_id ${TEXT} NOT NULL,
        journey_version INTEGER NOT NULL,
        hour ${TEXT} NOT NULL,
        step_id ${TEXT} NOT NULL,
        metric ${TEXT} NOT NULL,
        key ${TEXT} NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (journey_id, journey_version, hour, step_id, metric, key)
      );
      -- Sessions already counted (by their final save, or by the sweeper when they expired):
      -- a session's figures are added once, whichever process gets there first.
      CREATE TABLE funnel_counted_sessions (
        session_id ${TEXT} PRIMARY KEY,
        counted_at ${TEXT} NOT NULL
      );
      CREATE INDEX sessions_waiting_expiry ON sessions (expires_at) WHERE status = 'waiting';
    `,
  },
  // ---- Authsignal-compatible API (#22) ----
  {
    version: 9,
    name: 'authsignal actions and sessions',
    sql: `
      -- Tracked actions: their state follows the journey session until a reviewer resolves them.
      CREATE TABLE authsignal_actions (
        id ${TEXT} PRIMARY KEY,
        user_id ${TEXT},
        action ${TEXT} NOT NULL,
        state ${TEXT} NOT NULL,
        state_updated_at ${TEXT} NOT NULL,
        verification_method ${TEXT},
        reviewed_at ${TEXT},
        validated_at ${TEXT},
        claimed_at ${TEXT},
        created_at ${TEXT} NOT NULL
      );
      CREATE INDEX authsignal_actions_user ON authsignal_actions (user_id, created_at);
      -- App sessions made from a completed challenge: the refresh token only as its sha256.
      CREATE TABLE authsignal_sessions (
        id ${TEXT} PRIMARY KEY,
        user_id ${TEXT} NOT NULL,
        client_id ${TEXT} NOT NULL,
        refresh_token_hash ${TEXT} NOT NULL UNIQUE,
        verification_method ${TEXT},
        action_id ${TEXT} NOT NULL,
        created_at ${TEXT} NOT NULL,
        expires_at ${TEXT} NOT NULL,
        revoked_at ${TEXT}
      );
      CREATE INDEX authsignal_sessions_user ON authsignal_sessions (user_id);
    `,
  },
  // Issue #24 (performance round 2).
  {
    version: 10,
    name: 'timelines appended per run under a sequential session row id',
    sql: `
      -- A sequential row id for each session (existing sessions are numbered as the table is rewritten).
      ALTER TABLE sessions ADD COLUMN row_id BIGINT GENERATED ALWAYS AS IDENTITY;
      ALTER TABLE sessions ADD CONSTRAINT sessions_row_id UNIQUE (row_id);
      -- One row per run (start, submit, or a sweep), its events a JSON array, keyed by the session's
      -- row id and the run's number: a run appends one row at the end of its session's range, and
      -- new sessions at the end of the index, instead of a row per event under a random session id.
      CREATE TABLE timeline_runs (
        session_row BIGINT NOT NULL,
        run INTEGER NOT NULL,
        events ${JSON_VALUE} NOT NULL,
        PRIMARY KEY (session_row, run)
      );
      -- Existing timelines become one run each, their events in their order; events of sessions
      -- no longer stored (none should exist: their deletion took the events too) are dropped.
      INSERT INTO timeline_runs (session_row, run, events)
        SELECT s.row_id, 0, json_agg(t.event ORDER BY t.seq)
          FROM sessions s JOIN timeline_events t ON t.session_id = s.id
         GROUP BY s.row_id;
      DROP TABLE timeline_events;
    `,
  },
];

/**
 * Applies the pending migrations, each in a transaction holding a transaction-level advisory lock,
 * so processes starting together migrate once; creates `schema` first when it is given and missing.
 */
export async function migrate(pool: pg.Pool, schema: string | null, migrations: readonly Migration[] = postgresMigrations): Promise<void> {
  await drive(pool, schema, null, migrationSteps(migrations, postgresCodec.placeholders));
}

async function drive<T>(pool: pg.Pool, schema: string | null, client: pg.PoolClient | null, steps: MigrationSteps<T>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    const step = next.value;
    let answer: unknown;
    if (step.op === 'transaction') {
      answer = await inTransaction(pool, async (tx) => {
        await lockAndCreateSchema(tx, schema);
        return drive(pool, schema, tx, step.work);
      });
    } else {
      const result = await (client ?? pool).query(step.sql, step.op === 'execute' ? undefined : step.params);
      answer = result.rows;
    }
    next = steps.next(answer);
  }
  return next.value;
}

async function lockAndCreateSchema(client: pg.PoolClient, schema: string | null): Promise<void> {
  // One key for every schema: migrating is rare and quick, and a per-schema key would have to be
  // derived from a name the search_path may not resolve yet.
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('journey-engine schema migrations'))`);
  if (schema === null) return;
  // Checked before creating: CREATE SCHEMA IF NOT EXISTS still needs CREATE on the database,
  // which a role given a ready-made schema may not have.
  const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (exists.rowCount === 0) await client.query(`CREATE SCHEMA "${schema}"`);
}
