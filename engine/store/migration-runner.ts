/**
 * The one schema migration mechanism of both stores. Migrations are numbered from 1 and applied in
 * order, each in a transaction of its own together with its row in `schema_migrations` (the ledger
 * both stores have always kept, so existing databases upgrade in place). A database whose ledger
 * names a version this code does not know was migrated by newer code: it is refused, not used.
 *
 * better-sqlite3 is synchronous and pg is not, and opening a SQLite store stays synchronous; so the
 * runner is written once as a generator of database operations, and each dialect drives it with a
 * small loop of its own (sqlite/migrations.ts, postgres/migrations.ts). The driver decides what
 * makes a transaction exclusive between processes: BEGIN IMMEDIATE, or an advisory lock.
 */
import type { Row } from './rows/codec.js';

export interface Migration {
  version: number;
  name: string;
  /** One or more statements in the dialect's SQL. */
  sql: string;
}

/** What the runner asks of a driver; `select` answers rows, `transaction` the work's result. */
export type MigrationOp =
  | { op: 'execute'; sql: string }
  | { op: 'run'; sql: string; params: unknown[] }
  | { op: 'select'; sql: string; params: unknown[] }
  | { op: 'transaction'; work: MigrationSteps<unknown> };

export type MigrationSteps<T> = Generator<MigrationOp, T, any>;

export class NewerDatabaseError extends Error {
  constructor(databaseVersion: number, codeVersion: number) {
    super(`the database schema is at version ${databaseVersion}, newer than this code knows (${codeVersion}): refusing to use it`);
  }
}

/** Unchanged since the first release of either store: existing ledgers are read as they are. */
const LEDGER = 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)';

/**
 * The migration steps for `migrations`; `placeholders(n)` writes the dialect's n parameters.
 * Pending migrations are read once, then each is checked again inside its own transaction: another
 * process may have applied it meanwhile.
 */
export function* migrationSteps(migrations: readonly Migration[], placeholders: (count: number) => string): MigrationSteps<void> {
  assertNumbered(migrations);
  const known = migrations.at(-1)?.version ?? 0;
  const applied: Set<number> = yield {
    op: 'transaction',
    work: (function* () {
      yield { op: 'execute', sql: LEDGER };
      return yield* appliedVersions();
    })(),
  };
  const newest = Math.max(0, ...applied);
  if (newest > known) throw new NewerDatabaseError(newest, known);
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    yield {
      op: 'transaction',
      work: (function* () {
        if ((yield* appliedVersions()).has(migration.version)) return;
        yield { op: 'execute', sql: migration.sql };
        yield {
          op: 'run',
          sql: `INSERT INTO schema_migrations (version, name, applied_at) VALUES (${placeholders(3)})`,
          params: [migration.version, migration.name, new Date().toISOString()],
        };
      })(),
    };
  }
}

function* appliedVersions(): MigrationSteps<Set<number>> {
  const rows: Row[] = yield { op: 'select', sql: 'SELECT version FROM schema_migrations', params: [] };
  return new Set(rows.map((r) => Number(r.version)));
}

/**
 * The list starts at 1 and only goes up: a version number then says exactly which schema a
 * database has. Numbers may be skipped (numbers are reserved for work developed in parallel, which
 * may not need its one); a migration that later takes a skipped number is still applied to the
 * databases that lack it.
 */
function assertNumbered(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    const least = i === 0 ? 1 : migrations[i - 1].version + 1;
    if (i === 0 ? m.version !== 1 : m.version < least) throw new Error(`migration "${m.name}" is numbered ${m.version}, expected ${i === 0 ? 1 : `${least} or more`}`);
  });
}
