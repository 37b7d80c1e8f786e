/**
 * What differs between SQLite and PostgreSQL in how a value is stored, so that the row shapes in
 * this folder can be written once. Timestamps need no codec: both dialects keep them as the ISO
 * TEXT the interfaces pass (PostgreSQL with the "C" collation), so they compare and sort alike.
 */
export type Row = Record<string, any>;

export interface ColumnCodec {
  /** A JSON column as the driver answers it: TEXT to parse (SQLite) or already parsed (pg, JSON type). */
  readJson<T>(value: unknown): T;
  /** A JSON value as a statement parameter. */
  writeJson(value: unknown): unknown;
  /** A boolean column: 0/1 INTEGER in SQLite, BOOLEAN in PostgreSQL. */
  readBoolean(value: unknown): boolean;
  writeBoolean(value: boolean): unknown;
  /** A nullable 64-bit integer column (pg answers BIGINT as a string to keep it exact; our values fit a double). */
  readBigInteger(value: unknown): number | null;
  /** `count` parameter placeholders, the first numbered `first`: `?, ?` or `$3, $4`. */
  placeholders(count: number, first?: number): string;
}
