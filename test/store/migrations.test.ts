/**
 * The shared migration runner on both dialects: databases made by the previous code (its
 * schema-creation path kept in fixtures/) open in place, older ones get only what they lack, a
 * database newer than the code is refused, and each migration commits on its own.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { NewerDatabaseError, type Migration } from '../../engine/store/migration-runner.js';
import type { Store, TimelineEvent } from '../../engine/store/store.js';
import { migrate as migratePostgres, postgresMigrations } from '../../engine/store/postgres/migrations.js';
import { createPool, parsePostgresUrl } from '../../engine/store/postgres/pool.js';
import { openPostgresStore } from '../../engine/store/postgres/postgres-store.js';
import { migrate as migrateSqlite, sqliteMigrations } from '../../engine/store/sqlite/migrations.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import { describePostgres, freshSchema, query, type TestSchema } from '../helpers/postgres.js';
import { tempDataDir } from '../helpers/test-server.js';
import { legacyPostgresMigrate } from './fixtures/legacy-postgres-schema.js';
import { legacySqliteMigrate } from './fixtures/legacy-sqlite-schema.js';

// Migrations added since the fixtures' code (e.g. 5, passkeys) apply on top of the legacy schema.
const LEGACY_VERSIONS = [1, 2, 3, 4];
const sqliteVersions = sqliteMigrations.map((m) => m.version);
const postgresVersions = postgresMigrations.map((m) => m.version);

const user = { id: 'u1', username: 'Ada', attributes: { email: 'ada@example.test' }, createdAt: '2026-01-01T00:00:00.000Z' };

const failingSecond = (table: string): Migration[] => [
  { version: 1, name: 'first', sql: `CREATE TABLE ${table} (id INTEGER PRIMARY KEY)` },
  { version: 2, name: 'broken', sql: `CREATE TABLE ${table}_two (id INTEGER PRIMARY KEY); SELECT no_such_function()` },
];

// Migration 10 (#24): timelines kept a row per event under the session id before it.
const BEFORE_TIMELINE_RUNS = 10;
const legacyEvent = (n: number): TimelineEvent => ({ at: `2026-01-01T00:00:0${n}.000Z`, stepId: `step-${n}`, type: 'form', event: 'entered' });
/** Sessions and their events as migration 8 stored them: 'a' and 'b' interleaved, 'quiet' with none, and an orphan event. */
const legacyTimelines: Array<[string, number]> = [
  ['a', 0],
  ['b', 1],
  ['a', 2],
  ['orphan', 3],
  ['b', 4],
  ['a', 5],
];
const legacySessionValues = (id: string, createdSecond: number) => [
  id,
  'journey-a',
  1,
  'hash-1',
  'waiting',
  'ask',
  null,
  JSON.stringify({ value: 'ask', context: {} }),
  0,
  `token-of-${id}`,
  `2026-01-01T00:00:0${createdSecond}.000Z`,
  `2026-01-01T00:00:0${createdSecond}.000Z`,
  '2026-01-02T00:00:00.000Z',
];
const LEGACY_SESSION_COLUMNS = 'id, journey_id, journey_version, document_hash, status, step_id, user_id, snapshot, revision, token_hash, created_at, updated_at, expires_at, test_run';

async function expectConvertedTimelines(store: Store): Promise<void> {
  expect(await store.timelines.list('a')).toEqual([legacyEvent(0), legacyEvent(2), legacyEvent(5)]);
  expect(await store.timelines.list('b')).toEqual([legacyEvent(1), legacyEvent(4)]);
  expect(await store.timelines.list('quiet')).toEqual([]);
  expect(await store.timelines.list('orphan')).toEqual([]);
  // The next run of a converted session comes after its converted events; a new session works as before.
  const claimed = (await store.sessions.claim('a', 0, '2026-01-01T01:00:00.000Z', '2026-01-01T00:30:00.000Z'))!;
  const update = { status: 'waiting' as const, stepId: 'ask', userId: null, snapshot: {}, updatedAt: '2026-01-01T00:30:00.000Z' };
  expect(await store.sessions.save('a', claimed, update, [legacyEvent(6), legacyEvent(7)])).toBe(true);
  expect(await store.timelines.list('a')).toEqual([0, 2, 5, 6, 7].map(legacyEvent));
  const fresh = { ...(await store.sessions.get('b'))!, id: 'fresh', tokenHash: 'token-of-fresh' };
  await store.sessions.create(fresh, [legacyEvent(8)]);
  expect(await store.timelines.list('fresh')).toEqual([legacyEvent(8)]);
  expect((await store.sessions.get('a'))!.revision).toBe(claimed + 1);
}

describe('SQLite migrations', () => {
  const dir = tempDataDir();

  function legacyDatabase(name: string, upTo = Infinity): string {
    const path = join(dir, name);
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    legacySqliteMigrate(db, upTo);
    db.prepare('INSERT INTO users (id, username, username_normalised, attributes, created_at) VALUES (?, ?, ?, ?, ?)').run(
      user.id,
      user.username,
      'ada',
      JSON.stringify(user.attributes),
      user.createdAt,
    );
    db.close();
    return path;
  }

  /** A legacy database opened once by this code: the schema every upgrade must end with. */
  function upgradedLegacyDatabase(name: string): string {
    const path = legacyDatabase(name);
    openSqliteStore(path).close();
    return path;
  }

  const inspect = <T>(path: string, read: (db: Database.Database) => T): T => {
    const db = new Database(path, { readonly: true });
    try {
      return read(db);
    } finally {
      db.close();
    }
  };
  const ledger = (path: string) => inspect(path, (db) => db.prepare('SELECT * FROM schema_migrations ORDER BY version').all());
  const schema = (path: string) => {
    const objects = inspect(path, (db) =>
      db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all(),
    );
    expect(objects.length).toBeGreaterThan(20);
    return objects;
  };

  it('a database made by the previous code opens in place: nothing applied again, its rows read back', async () => {
    const path = legacyDatabase('current.sqlite');
    const before = ledger(path);
    expect(before.map((r: any) => r.version)).toEqual(LEGACY_VERSIONS);
    const store = openSqliteStore(path);
    expect(await store.users.findById('u1')).toEqual(user);
    await store.close();
    const after = ledger(path) as Array<{ version: number }>;
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.map((r) => r.version)).toEqual(sqliteVersions);
  });

  it('an older database gets only the migrations it lacks, and ends with the schema the previous code made', async () => {
    const path = legacyDatabase('older.sqlite', 2);
    const before = ledger(path);
    expect(before).toHaveLength(2);
    const store = openSqliteStore(path);
    expect(await store.counters.increment('k', 60, '2026-01-01T00:00:00.000Z')).toBe(1);
    expect(await store.users.findById('u1')).toEqual(user);
    await store.close();
    const after = ledger(path) as Array<{ version: number }>;
    expect(after.map((r) => r.version)).toEqual(sqliteVersions);
    expect(after.slice(0, 2)).toEqual(before);
    expect(schema(path)).toEqual(schema(upgradedLegacyDatabase('reference.sqlite')));
  });

  it('a new database has exactly the schema the previous code made', async () => {
    const path = join(dir, 'new.sqlite');
    await openSqliteStore(path).close();
    expect(schema(path)).toEqual(schema(upgradedLegacyDatabase('reference-2.sqlite')));
  });

  it('a database migrated by newer code is refused', async () => {
    const path = join(dir, 'newer.sqlite');
    await openSqliteStore(path).close();
    const db = new Database(path);
    const latest = sqliteVersions.at(-1)!;
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', '2030-01-01T00:00:00.000Z')").run(latest + 1);
    db.close();
    expect(() => openSqliteStore(path)).toThrow(NewerDatabaseError);
    expect(() => openSqliteStore(path)).toThrow(new RegExp(`version ${latest + 1}, newer than this code knows \\(${latest}\\)`));
  });

  it('each migration commits on its own: a failing one leaves the earlier applied and itself unrecorded', () => {
    const db = new Database(join(dir, 'failing.sqlite'));
    expect(() => migrateSqlite(db, failingSecond('t'))).toThrow();
    expect(db.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 't%' ORDER BY name").pluck().all()).toEqual(['t']);
    db.close();
  });

  it('migration 10 converts each existing timeline into one run, in its order, under the session row id', async () => {
    const path = join(dir, 'timelines.sqlite');
    const db = new Database(path);
    migrateSqlite(db, sqliteMigrations.filter((m) => m.version < BEFORE_TIMELINE_RUNS));
    const insertSession = db.prepare(`INSERT INTO sessions (${LEGACY_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`);
    ['b', 'a', 'quiet'].forEach((id, i) => insertSession.run(...legacySessionValues(id, i)));
    for (const [sessionId, n] of legacyTimelines) db.prepare('INSERT INTO timeline_events (session_id, event) VALUES (?, ?)').run(sessionId, JSON.stringify(legacyEvent(n)));
    db.close();
    const store = openSqliteStore(path);
    try {
      await expectConvertedTimelines(store);
    } finally {
      await store.close();
    }
    const rows = inspect(path, (reader) => reader.prepare('SELECT id, row_id FROM sessions ORDER BY row_id').all());
    expect(rows).toEqual([
      { id: 'b', row_id: 1 },
      { id: 'a', row_id: 2 },
      { id: 'quiet', row_id: 3 },
      { id: 'fresh', row_id: 4 },
    ]);
    expect(inspect(path, (reader) => reader.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'timeline_events'").pluck().get())).toBe(0);
  });

  it('refuses a migration list that is not numbered 1, 2, 3, …', () => {
    const db = new Database(':memory:');
    expect(() => migrateSqlite(db, [{ version: 2, name: 'gap', sql: 'SELECT 1' }])).toThrow(/numbered 2, expected 1/);
    const gap = [
      { version: 1, name: 'one', sql: 'SELECT 1' },
      { version: 3, name: 'three', sql: 'SELECT 1' },
    ];
    expect(() => migrateSqlite(db, gap)).toThrow(/"three" is numbered 3, expected 2/);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'").pluck().get()).toBe(0);
    db.close();
  });
});

describePostgres('PostgreSQL migrations', (url) => {
  const schemas: TestSchema[] = [];
  afterAll(async () => {
    for (const s of schemas) await s.drop();
  });

  async function withPool<T>(schema: TestSchema, work: (pool: pg.Pool) => Promise<T>): Promise<T> {
    const pool = createPool(parsePostgresUrl(schema.url));
    try {
      return await work(pool);
    } finally {
      await pool.end();
    }
  }

  async function legacySchema(upTo = Infinity): Promise<TestSchema> {
    const schema = freshSchema(url);
    schemas.push(schema);
    await withPool(schema, async (pool) => {
      await legacyPostgresMigrate(pool, schema.name, upTo);
      await pool.query('INSERT INTO users (id, username, username_normalised, attributes, created_at) VALUES ($1, $2, $3, $4, $5)', [
        user.id,
        user.username,
        'ada',
        JSON.stringify(user.attributes),
        user.createdAt,
      ]);
    });
    return schema;
  }

  const ledger = (schema: TestSchema) => query(url, `SELECT * FROM "${schema.name}".schema_migrations ORDER BY version`);
  const columns = (schema: TestSchema) =>
    query(
      url,
      `SELECT table_name, column_name, ordinal_position, data_type, collation_name, is_nullable, column_default, is_identity
         FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
      [schema.name],
    );
  /** Index definitions with the schema name taken out, so two schemas compare. */
  const indexes = async (schema: TestSchema) =>
    (await query(url, 'SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname', [schema.name])).map((r) => ({
      name: r.indexname,
      def: String(r.indexdef).replaceAll(`${schema.name}.`, ''),
    }));
  /** A legacy schema opened once by this code: the schema every upgrade must end with. */
  async function upgradedLegacySchema(): Promise<TestSchema> {
    const schema = await legacySchema();
    await (await openPostgresStore(schema.url)).close();
    return schema;
  }

  const expectSameSchema = async (schema: TestSchema, reference: TestSchema) => {
    const [mine, theirs] = [await columns(schema), await columns(reference)];
    expect(theirs.length).toBeGreaterThan(50);
    expect(mine).toEqual(theirs);
    expect(await indexes(schema)).toEqual(await indexes(reference));
  };

  it('a database made by the previous code opens in place: nothing applied again, its rows read back', async () => {
    const schema = await legacySchema();
    const before = await ledger(schema);
    expect(before.map((r) => r.version)).toEqual(LEGACY_VERSIONS);
    const store = await openPostgresStore(schema.url);
    try {
      expect(await store.users.findById('u1')).toEqual(user);
    } finally {
      await store.close();
    }
    const after = await ledger(schema);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.map((r) => r.version)).toEqual(postgresVersions);
  });

  it('an older database gets only the migrations it lacks, and ends with the schema the previous code made', async () => {
    const schema = await legacySchema(2);
    const before = await ledger(schema);
    expect(before).toHaveLength(2);
    const store = await openPostgresStore(schema.url);
    try {
      expect(await store.counters.increment('k', 60, '2026-01-01T00:00:00.000Z')).toBe(1);
    } finally {
      await store.close();
    }
    const after = await ledger(schema);
    expect(after.map((r) => r.version)).toEqual(postgresVersions);
    expect(after.slice(0, 2)).toEqual(before);
    await expectSameSchema(schema, await upgradedLegacySchema());
  });

  it('a new database has exactly the schema the previous code made', async () => {
    const schema = freshSchema(url);
    schemas.push(schema);
    await (await openPostgresStore(schema.url)).close();
    await expectSameSchema(schema, await upgradedLegacySchema());
  });

  it('a database migrated by newer code is refused', async () => {
    const schema = await legacySchema();
    await query(url, `INSERT INTO "${schema.name}".schema_migrations (version, name, applied_at) VALUES (${postgresVersions.at(-1)! + 1}, 'from the future', '2030-01-01T00:00:00.000Z')`);
    await expect(openPostgresStore(schema.url)).rejects.toThrow(NewerDatabaseError);
  });

  it('migration 10 converts each existing timeline into one run, in its order, under the session row id', async () => {
    const schema = freshSchema(url);
    schemas.push(schema);
    await withPool(schema, async (pool) => {
      await migratePostgres(pool, schema.name, postgresMigrations.filter((m) => m.version < BEFORE_TIMELINE_RUNS));
      for (const [i, id] of ['b', 'a', 'quiet'].entries()) {
        await pool.query(`INSERT INTO sessions (${LEGACY_SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, false)`, legacySessionValues(id, i));
      }
      for (const [sessionId, n] of legacyTimelines) await pool.query('INSERT INTO timeline_events (session_id, event) VALUES ($1, $2)', [sessionId, JSON.stringify(legacyEvent(n))]);
    });
    const store = await openPostgresStore(schema.url);
    try {
      await expectConvertedTimelines(store);
    } finally {
      await store.close();
    }
    const rows = await query(url, `SELECT id, row_id::int AS row_id FROM "${schema.name}".sessions ORDER BY row_id`);
    expect(rows.map((r) => r.id)).toEqual(['b', 'a', 'quiet', 'fresh']);
    expect(new Set(rows.map((r) => r.row_id)).size).toBe(4);
    expect(await query(url, `SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'timeline_events'`, [schema.name])).toEqual([]);
  });

  it('each migration commits on its own: a failing one leaves the earlier applied and itself unrecorded', async () => {
    const schema = freshSchema(url);
    schemas.push(schema);
    await withPool(schema, async (pool) => {
      await expect(migratePostgres(pool, schema.name, failingSecond('t'))).rejects.toThrow();
    });
    expect((await ledger(schema)).map((r) => r.version)).toEqual([1]);
    const tables = await query(url, `SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 't%' ORDER BY tablename`, [schema.name]);
    expect(tables.map((t) => t.tablename)).toEqual(['t']);
  });
});
