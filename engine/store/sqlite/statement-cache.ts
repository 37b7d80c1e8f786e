/** The per-connection cache of prepared statements. */
import type Database from 'better-sqlite3';

/**
 * (Statements with RETURNING are read with `.all()`, never `.get()`: `.get()` stops after the first
 * row, and an error while finishing the statement, such as a full disk at commit, would be lost.)
 *
 * Compiling SQL costs more than running these small statements: each distinct SQL text is
 * prepared once per connection and reused. (Every statement here is used in one mode only, so a
 * `.pluck()` set on a cached statement is always the one its caller wants.)
 */
export function cachePreparedStatements(db: Database.Database): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  }) as typeof db.prepare;
}
