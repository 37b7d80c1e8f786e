import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/**
 * `sqlite:PATH` (or `sqlite::memory:`) opens the embedded store; a `postgres://` (or
 * `postgresql://`) URL opens the shared PostgreSQL store, with optional `?schema=NAME` and
 * `?pool_size=N` beside the parameters `pg` itself understands.
 */
export async function openStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) return openSqliteStore(databaseUrl.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return openPostgresStore(databaseUrl);
  throw new Error('DATABASE_URL must be sqlite:PATH or a postgres:// URL');
}
