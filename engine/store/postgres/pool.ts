/**
 * Connections to PostgreSQL: our own URL parameters, the pool (one per process), and a transaction
 * helper for the few operations that need more than one statement.
 */
import pg from 'pg';

export interface PostgresOptions {
  /** Keep the tables in this schema (created when missing) instead of the server's default search_path. */
  schema?: string;
  /** Connections in the pool; default 10. */
  poolSize?: number;
}

export interface PostgresTarget {
  /** The URL as `pg` should see it: our parameters removed, the schema turned into a search_path option. */
  connectionString: string;
  schema: string | null;
  poolSize: number;
}

export const DEFAULT_POOL_SIZE = 10;

/** Lower case only: unquoted and quoted spellings then mean the same schema everywhere. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Reads `schema` and `pool_size` from the URL's query (explicit options win) and leaves every other
 * parameter (sslmode, options, application_name, …) to `pg`.
 */
export function parsePostgresUrl(url: string, options: PostgresOptions = {}): PostgresTarget {
  const queryAt = url.indexOf('?');
  const base = queryAt === -1 ? url : url.slice(0, queryAt);
  const params = new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1));

  const schema = options.schema ?? (params.get('schema') || null);
  params.delete('schema');
  if (schema !== null && !SCHEMA_NAME.test(schema)) {
    throw new Error(`DATABASE_URL: schema "${schema}" must be lower-case letters, digits and underscores (at most 63)`);
  }

  const sizeText = params.get('pool_size');
  params.delete('pool_size');
  const poolSize = options.poolSize ?? (sizeText === null ? DEFAULT_POOL_SIZE : Number(sizeText));
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) {
    throw new Error('DATABASE_URL: pool_size must be an integer from 1 to 1000');
  }

  if (schema !== null) {
    // A startup option rather than a SET after connecting: every pooled connection has it from its
    // first statement. `pg` lets the URL's own `options` override the config's, so it goes in there.
    const existing = params.get('options');
    params.set('options', [existing, `-c search_path=${schema}`].filter(Boolean).join(' '));
  }
  const query = params.toString();
  return { connectionString: query ? `${base}?${query}` : base, schema, poolSize };
}

export function createPool(target: PostgresTarget): pg.Pool {
  // Bounded waits everywhere: in a network partition a request fails within seconds (and the pool
  // recovers when the network heals) instead of hanging and pinning every connection.
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: target.poolSize,
    connectionTimeoutMillis: 2_000,
    query_timeout: 5_000,
    statement_timeout: 5_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection dropped by the server (restart, failover) is an 'error' event; unhandled it
  // would end the process. The pool discards that connection and the next query opens a new one.
  pool.on('error', () => {});
  return pool;
}

export type Queryable = pg.Pool | pg.PoolClient;

/** Runs `work` in one READ COMMITTED transaction on one connection; rolls back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      // A connection that cannot roll back must not return to the pool.
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
