/**
 * The shared migration runner on both dialects: databases made by the previous code (its
 * schema-creation path kept in fixtures/, at version 4) open in place and get only the migrations
 * added since, older ones get only what they lack, a new database ends with the same schema as an
 * upgraded one, a database newer than the code is refused, and each migration commits on its own.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { NewerDatabaseError, type Migration } from '../../engine/store/migration-runner.js';
import { migrate as migratePostgres, postgresMigrations } from '../../engine/store/postgres/migrations.js';
import { createPool, parsePostgresUrl } from '../../engine/store/postgres/pool.js';
import { openPostgresStore } from '../../engine/store/postgres/postgres-store.js';
import { migrate as migrateSqlite, sqliteMigrations } from '../../engine/store/sqlite/migrations.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import { describePostgres, freshSchema, query, type TestSchema } from '../helpers/postgres.js';
import { tempDataDir } from '../helpers/test-server.js';
import { legacyPostgresMigrate } from './fixtures/legacy-postgres-schema.js';
import { legacySqliteMigrate } from './fixtures/legacy-sqlite-schema.js';

const user = { id: 'u1', username: 'Ada', attributes: { email: 'ada@example.test' }, createdAt: '2026-01-01T00:00:00.000Z' };

const failingSecond = (table: string): Migration[] => [
  { version: 1, name: 'first', sql: `CREATE TABLE ${table} (id INTEGER PRIMARY KEY)` },
  { version: 2, name: 'broken', sql: `CREATE TABLE ${table}_two (id INTEGER PRIMARY KEY); SELECT no_such_function()` },
];

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

  it('a database made by the previous code opens in place: only later migrations applied, its rows read back', async () => {
    const path = legacyDatabase('current.sqlite');
    const before = ledger(path);
    expect(before).toHaveLength(4);
    const store = openSqliteStore(path);
    expect(await store.users.findById('u1')).toEqual(user);
    await store.close();
    const after = ledger(path) as Array<{ version: number }>;
    expect(after.slice(0, 4)).toEqual(before);
    expect(after.map((r) => r.version)).toEqual(sqliteMigrations.map((m) => m.version));
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
    expect(after.map((r) => r.version)).toEqual(sqliteMigrations.map((m) => m.version));
    expect(after.slice(0, 2)).toEqual(before);
    expect(schema(path)).toEqual(schema(upgraded('reference.sqlite')));
  });

  it('a new database has exactly the schema of a database the previous code made, upgraded in place', async () => {
    const path = join(dir, 'new.sqlite');
    await openSqliteStore(path).close();
    expect(schema(path)).toEqual(schema(upgraded('reference-2.sqlite')));
  });

  /** A previous-code database opened (so upgraded) by this code. */
  function upgraded(name: string): string {
    const path = legacyDatabase(name);
    openSqliteStore(path).close();
    return path;
  }

  it('a database migrated by newer code is refused', async () => {
    const path = join(dir, 'newer.sqlite');
    await openSqliteStore(path).close();
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', '2030-01-01T00:00:00.000Z')").run();
    db.close();
    expect(() => openSqliteStore(path)).toThrow(NewerDatabaseError);
    expect(() => openSqliteStore(path)).toThrow(new RegExp(`version 99, newer than this code knows \\(${sqliteMigrations.length}\\)`));
  });

  it('each migration commits on its own: a failing one leaves the earlier applied and itself unrecorded', () => {
    const db = new Database(join(dir, 'failing.sqlite'));
    expect(() => migrateSqlite(db, failingSecond('t'))).toThrow();
    expect(db.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 't%' ORDER BY name").pluck().all()).toEqual(['t']);
    db.close();
  });

  it('refuses a migration list that is not numbered 1, 2, 3, …', () => {
    const db = new Database(':memory:');
    expect(() => migrateSqlite(db, [{ version: 2, name: 'gap', sql: 'SELECT 1' }])).toThrow(/numbered 2, expected 1/);
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
  const expectSameSchema = async (schema: TestSchema, reference: TestSchema) => {
    const [mine, theirs] = [await columns(schema), await columns(reference)];
    expect(theirs.length).toBeGreaterThan(50);
    expect(mine).toEqual(theirs);
    expect(await indexes(schema)).toEqual(await indexes(reference));
  };

  it('a database made by the previous code opens in place: only later migrations applied, its rows read back', async () => {
    const schema = await legacySchema();
    const before = await ledger(schema);
    expect(before).toHaveLength(4);
    const store = await openPostgresStore(schema.url);
    try {
      expect(await store.users.findById('u1')).toEqual(user);
    } finally {
      await store.close();
    }
    const after = await ledger(schema);
    expect(after.slice(0, 4)).toEqual(before);
    expect(after.map((r) => r.version)).toEqual(postgresMigrations.map((m) => m.version));
  });

  /** A previous-code schema opened (so upgraded) by this code. */
  async function upgradedSchema(): Promise<TestSchema> {
    const schema = await legacySchema();
    await (await openPostgresStore(schema.url)).close();
    return schema;
  }

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
    expect(after.map((r) => r.version)).toEqual(postgresMigrations.map((m) => m.version));
    expect(after.slice(0, 2)).toEqual(before);
    await expectSameSchema(schema, await upgradedSchema());
  });

  it('a new database has exactly the schema of a database the previous code made, upgraded in place', async () => {
    const schema = freshSchema(url);
    schemas.push(schema);
    await (await openPostgresStore(schema.url)).close();
    await expectSameSchema(schema, await upgradedSchema());
  });

  it('a database migrated by newer code is refused', async () => {
    const schema = await legacySchema();
    await query(url, `INSERT INTO "${schema.name}".schema_migrations (version, name, applied_at) VALUES (99, 'from the future', '2030-01-01T00:00:00.000Z')`);
    await expect(openPostgresStore(schema.url)).rejects.toThrow(NewerDatabaseError);
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
