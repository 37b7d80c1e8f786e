/** Rows of `users`: the normalised username is a column of its own, the unique key. */
import { normaliseUsername, type StoredUser } from '../store.js';
import type { RowShape } from './shape.js';

export const userRow: RowShape<StoredUser> = {
  table: 'users',
  columns: ['id', 'username', 'username_normalised', 'attributes', 'created_at'],
  fromRow: (r, codec) => ({ id: r.id, username: r.username, attributes: codec.readJson(r.attributes), createdAt: r.created_at }),
  values: (u, codec) => [u.id, u.username, u.username === null ? null : normaliseUsername(u.username), codec.writeJson(u.attributes), u.createdAt],
};
