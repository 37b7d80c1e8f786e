import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** `sqlite:PATH` (or `sqlite::memory:`) opens the embedded store; `postgres://` needs the PostgreSQL store. */
export async function openStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) return openSqliteStore(databaseUrl.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('DATABASE_URL: the PostgreSQL store is not part of this build yet; use sqlite:PATH');
  }
  throw new Error('DATABASE_URL must be sqlite:PATH or a postgres:// URL');
}
