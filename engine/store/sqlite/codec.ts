/** How values cross into and out of SQLite: JSON is stored as TEXT. */
export type Row = Record<string, any>;

export const json = (value: unknown): string => JSON.stringify(value);
export const parse = <T>(text: string): T => JSON.parse(text) as T;
