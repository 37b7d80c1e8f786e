/** How values cross into and out of SQLite: JSON as TEXT, booleans as 0/1, `?` parameters. */
import type { ColumnCodec } from '../rows/codec.js';

export type { Row } from '../rows/codec.js';

export const json = (value: unknown): string => JSON.stringify(value);
const parse = <T>(text: string): T => JSON.parse(text) as T;

export const sqliteCodec: ColumnCodec = {
  readJson: <T>(value: unknown) => parse<T>(value as string),
  writeJson: json,
  readBoolean: (value) => value === 1,
  writeBoolean: (value) => (value ? 1 : 0),
  readBigInteger: (value) => (value as number | null),
  placeholders: (count) => Array.from({ length: count }, () => '?').join(', '),
};
