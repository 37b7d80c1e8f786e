/** How values cross into and out of PostgreSQL through pg: JSON parsed by the driver, native booleans, `$n` parameters. */
import type { ColumnCodec } from '../rows/codec.js';

export type { Row } from '../rows/codec.js';

export const json = (value: unknown): string => JSON.stringify(value);

export const postgresCodec: ColumnCodec = {
  // pg parses the JSON type itself.
  readJson: <T>(value: unknown) => value as T,
  // Sent as text: a JS array would otherwise go out as a PostgreSQL array, not JSON.
  writeJson: json,
  readBoolean: (value) => value === true,
  writeBoolean: (value) => value,
  // BIGINT arrives as a string (pg keeps 64-bit integers exact); time steps fit a double.
  readBigInteger: (value) => (value === null || value === undefined ? null : Number(value)),
  placeholders: (count, first = 1) => Array.from({ length: count }, (_, i) => `$${first + i}`).join(', '),
};
