/**
 * PostgreSQL for the test suites: TEST_DATABASE_URL names a database the tests may write to.
 * Without it the PostgreSQL suites are skipped with a printed reason, except in CI (CI=true), where
 * a missing database fails the run; a database that is named but does not answer always fails.
 * Each suite works in a fresh schema of its own, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { beforeAll, describe, it } from 'vitest';

/** TEST_DATABASE_URL, or undefined when it is not set. */
export function postgresTestUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || undefined;
}

/**
 * `describe` for suites that need PostgreSQL; `body` gets TEST_DATABASE_URL. Not set: skipped with
 * a warning, or under CI=true one failing test. Set but unreachable: every test of the suite fails.
 */
export function describePostgres(name: string, body: (url: string) => void): void {
  const url = postgresTestUrl();
  if (process.env.CI === 'true' && !url) {
    describe(name, () => {
      it('has a PostgreSQL database to run against', () => {
        throw new Error('TEST_DATABASE_URL is required in CI (CI=true): the PostgreSQL suites must run, not skip');
      });
    });
    return;
  }
  if (!url) console.warn(`[${name}] skipped: TEST_DATABASE_URL is not set (e.g. postgres://journey:journey@127.0.0.1:5432/journey_test)`);
  // Without a database (and outside CI) the suite is declared but skipped, so the report lists it.
  describe.skipIf(!url)(name, () => {
    if (url) beforeAll(() => assertReachable(url));
    body(url ?? 'postgres://skipped');
  });
}

async function assertReachable(url: string): Promise<void> {
  try {
    await query(url, 'SELECT 1');
  } catch (error) {
    throw new Error(`TEST_DATABASE_URL is set but PostgreSQL cannot be reached: ${(error as Error).message}`);
  }
}

/** One statement on a connection of its own (set-up and inspection, never the code under test). */
export async function query<R extends pg.QueryResultRow = Record<string, any>>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export interface TestSchema {
  name: string;
  /** The base URL with `?schema=NAME`: what openStore and DATABASE_URL take. */
  url: string;
  /** Empties every table but schema_migrations (no-op before the schema exists). */
  truncate(): Promise<void>;
  drop(): Promise<void>;
}

/** A schema name not used before, on the database of `baseUrl`; the store creates it on first open. */
export function freshSchema(baseUrl: string): TestSchema {
  const name = `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  return {
    name,
    url: `${baseUrl}${baseUrl.includes('?') ? '&' : '?'}schema=${name}`,
    async truncate() {
      const tables = await query<{ tablename: string }>(
        baseUrl,
        `SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations'`,
        [name],
      );
      if (tables.length === 0) return;
      await query(baseUrl, `TRUNCATE ${tables.map((t) => `"${name}"."${t.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
    },
    async drop() {
      await query(baseUrl, `DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    },
  };
}
