/** A table row shape: its columns listed once, and the mapping both ways, for either dialect. */
import type { ColumnCodec, Row } from './codec.js';

export interface RowShape<T> {
  table: string;
  /** The columns an insert writes, in the order `values` answers them. */
  columns: readonly string[];
  fromRow(row: Row, codec: ColumnCodec): T;
  values(record: T, codec: ColumnCodec): unknown[];
}

/** `INSERT INTO table (columns) VALUES (placeholders)`, parameters numbered from `first`. */
export function insertStatement<T>(shape: RowShape<T>, codec: ColumnCodec, first = 1): string {
  return `INSERT INTO ${shape.table} (${shape.columns.join(', ')}) VALUES (${codec.placeholders(shape.columns.length, first)})`;
}
