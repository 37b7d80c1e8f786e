/**
 * Row-by-row snapshots of the engine's SQLite file, read through a separate read-only
 * connection, so the abuse suite can prove that a refused request stored nothing.
 */
import Database from 'better-sqlite3';

export interface TableSnapshot {
  /** Row key (primary key values, or rowid) → the row as canonical JSON. */
  rows: Map<string, string>;
}

export type DbSnapshot = Map<string, TableSnapshot>;

export class DbSnapshotter {
  private readonly db: Database.Database;

  /** `exclude`: tables that legitimately change on refused requests (each with its reason at the call site). */
  constructor(
    path: string,
    private readonly exclude: ReadonlySet<string>,
  ) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
  }

  /** Every table of the file except the excluded ones (sqlite_sequence included: it moves with AUTOINCREMENT ids). */
  tables(): string[] {
    const names = this.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[];
    return names.filter((name) => !this.exclude.has(name));
  }

  snapshot(): DbSnapshot {
    const snapshot: DbSnapshot = new Map();
    for (const table of this.tables()) {
      const quoted = `"${table.replaceAll('"', '""')}"`;
      const columns = this.db.prepare(`PRAGMA table_info(${quoted})`).all() as Array<{ name: string; pk: number }>;
      const pk = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      const withoutRowid = /WITHOUT\s+ROWID/i.test(
        (this.db.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).pluck().get(table) as string | null) ?? '',
      );
      const select = withoutRowid ? `SELECT * FROM ${quoted}` : `SELECT rowid AS "__rowid", * FROM ${quoted}`;
      const rows = new Map<string, string>();
      for (const row of this.db.prepare(select).all() as Array<Record<string, unknown>>) {
        const key = pk.length ? JSON.stringify(pk.map((c) => canonical(row[c]))) : `rowid:${String(row.__rowid)}`;
        const { __rowid: _ignored, ...values } = row;
        rows.set(key, JSON.stringify(canonical(values)));
      }
      snapshot.set(table, { rows });
    }
    return snapshot;
  }

  /** The stored revision of a session (null when there is no such row). */
  sessionRevision(id: string): number | null {
    const revision = this.db.prepare('SELECT revision FROM sessions WHERE id = ?').pluck().get(id) as number | undefined;
    return revision ?? null;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** BLOBs as hex, bigint as text: rows compare as JSON. */
function canonical(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return `blob:${value.toString('hex')}`;
  if (typeof value === 'bigint') return `bigint:${value.toString()}`;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, canonical(v)]));
  return value;
}

/** Human-readable differences between two snapshots (empty when identical). */
export function diffSnapshots(before: DbSnapshot, after: DbSnapshot, limit = 20): string[] {
  const out: string[] = [];
  const clip = (text: string) => (text.length > 400 ? `${text.slice(0, 400)}… (${text.length} chars)` : text);
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(table)?.rows ?? new Map<string, string>();
    const b = after.get(table)?.rows ?? new Map<string, string>();
    if (!before.has(table)) out.push(`${table}: table appeared`);
    if (!after.has(table)) out.push(`${table}: table disappeared`);
    for (const [key, row] of b) {
      if (!a.has(key)) out.push(`${table}: row added ${key}: ${clip(row)}`);
      else if (a.get(key) !== row) out.push(`${table}: row changed ${key}: ${changedColumns(a.get(key)!, row, clip)}`);
    }
    for (const [key, row] of a) if (!b.has(key)) out.push(`${table}: row removed ${key}: ${clip(row)}`);
  }
  return out.length > limit ? [...out.slice(0, limit), `… and ${out.length - limit} more`] : out;
}

/** The columns that differ between two rows (as stored by `snapshot`). */
function changedColumns(before: string, after: string, clip: (text: string) => string): string {
  const a = JSON.parse(before) as Record<string, unknown>;
  const b = JSON.parse(after) as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((column) => JSON.stringify(a[column]) !== JSON.stringify(b[column]))
    .map((column) => `${column}: ${clip(JSON.stringify(a[column]) ?? 'undefined')} → ${clip(JSON.stringify(b[column]) ?? 'undefined')}`)
    .join('; ');
}
