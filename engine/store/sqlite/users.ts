/** Users, unique by normalised username, and the erasure of everything stored about one. */
import type Database from 'better-sqlite3';
import type { JsonObject } from '../../json.js';
import { normaliseUsername, type ChangeRecords, type StoredUser, type UserStore } from '../store.js';
import { insertStatement } from '../rows/shape.js';
import { userRow } from '../rows/users.js';
import { writeChangeRecords } from './change-records.js';
import { sqliteCodec, type Row } from './codec.js';

const insertUser = insertStatement(userRow, sqliteCodec);
const toUser = (r: Row): StoredUser => userRow.fromRow(r, sqliteCodec);

export class SqliteUsers implements UserStore {
  constructor(private readonly db: Database.Database) {}

  async create(user: StoredUser): Promise<StoredUser> {
    const normalised = user.username === null ? null : normaliseUsername(user.username);
    return this.db.transaction(() => {
      if (normalised !== null) {
        const existing = this.db.prepare('SELECT * FROM users WHERE username_normalised = ?').get(normalised) as Row | undefined;
        if (existing) return toUser(existing);
      }
      const byId = this.db.prepare('SELECT * FROM users WHERE id = ?').get(user.id) as Row | undefined;
      if (byId) return toUser(byId);
      this.db.prepare(insertUser).run(...userRow.values(user, sqliteCodec));
      return user;
    }).immediate();
  }

  async findById(id: string): Promise<StoredUser | null> {
    const r = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
    return r ? toUser(r) : null;
  }

  async findByUsername(username: string): Promise<StoredUser | null> {
    const r = this.db.prepare('SELECT * FROM users WHERE username_normalised = ?').get(normaliseUsername(username)) as Row | undefined;
    return r ? toUser(r) : null;
  }

  async list(filter: { username?: string; limit: number }): Promise<StoredUser[]> {
    const rows =
      filter.username !== undefined
        ? (this.db.prepare('SELECT * FROM users WHERE username_normalised = ? LIMIT ?').all(normaliseUsername(filter.username), filter.limit) as Row[])
        : (this.db.prepare('SELECT * FROM users ORDER BY created_at, id LIMIT ?').all(filter.limit) as Row[]);
    return rows.map(toUser);
  }

  async delete(id: string, records?: ChangeRecords): Promise<boolean> {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM authenticators WHERE user_id = ?').run(id);
      this.db.prepare('DELETE FROM recovery_codes WHERE user_id = ?').run(id);
      this.db.prepare('DELETE FROM credential_attempts WHERE subject = ?').run(id);
      // Their Authsignal actions and app sessions (#22).
      this.db.prepare('DELETE FROM authsignal_actions WHERE user_id = ?').run(id);
      this.db.prepare('DELETE FROM authsignal_sessions WHERE user_id = ?').run(id);
      // Their sessions, with what those sessions recorded and sent.
      const sessions = this.db.prepare('SELECT id, row_id FROM sessions WHERE user_id = ?').all(id) as Array<{ id: string; row_id: number }>;
      for (const session of sessions) {
        this.db.prepare('DELETE FROM timeline_runs WHERE session_row = ?').run(session.row_id);
        this.db.prepare('DELETE FROM outbox WHERE session_id = ?').run(session.id);
      }
      this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(id);
      if (this.db.prepare('DELETE FROM users WHERE id = ?').run(id).changes !== 1) return false;
      writeChangeRecords(this.db, records);
      return true;
    }).immediate();
  }

  // ---- Authsignal-compatible API (#22) ----
  async update(id: string, username: string | null, attributes: JsonObject): Promise<'updated' | 'not_found' | 'username_taken'> {
    const normalised = username === null ? null : normaliseUsername(username);
    return this.db.transaction(() => {
      if (normalised !== null) {
        const holder = this.db.prepare('SELECT id FROM users WHERE username_normalised = ?').pluck().get(normalised) as string | undefined;
        if (holder !== undefined && holder !== id) return 'username_taken' as const;
      }
      const changed = this.db.prepare('UPDATE users SET username = ?, username_normalised = ?, attributes = ? WHERE id = ?').run(username, normalised, sqliteCodec.writeJson(attributes), id).changes;
      return changed === 1 ? ('updated' as const) : ('not_found' as const);
    }).immediate();
  }

  async listByAttribute(name: 'email' | 'phoneNumber', value: string, limit: number): Promise<StoredUser[]> {
    const rows = this.db.prepare(`SELECT * FROM users WHERE json_extract(attributes, '$.' || ?) = ? ORDER BY created_at, id LIMIT ?`).all(name, value, limit) as Row[];
    return rows.map(toUser);
  }

  async listAfterId(afterId: string | null, limit: number): Promise<StoredUser[]> {
    const rows = (
      afterId === null
        ? this.db.prepare('SELECT * FROM users ORDER BY id LIMIT ?').all(limit)
        : this.db.prepare('SELECT * FROM users WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit)
    ) as Row[];
    return rows.map(toUser);
  }
}
