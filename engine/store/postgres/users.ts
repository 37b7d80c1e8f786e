/** Users, unique by normalised username, and the erasure of everything stored about one. */
import type pg from 'pg';
import type { JsonObject } from '../../json.js';
import { normaliseUsername, type ChangeRecords, type StoredUser, type UserStore } from '../store.js';
import { insertStatement } from '../rows/shape.js';
import { userRow } from '../rows/users.js';
import { writeChangeRecords } from './change-records.js';
import { postgresCodec, type Row } from './codec.js';
import { inTransaction } from './pool.js';

const insertUser = `${insertStatement(userRow, postgresCodec)} ON CONFLICT DO NOTHING`;
const toUser = (r: Row): StoredUser => userRow.fromRow(r, postgresCodec);

export class PostgresUsers implements UserStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(user: StoredUser): Promise<StoredUser> {
    const normalised = user.username === null ? null : normaliseUsername(user.username);
    // Insert-or-nothing settles races on the unique username (and id); the loser reads the winner.
    // Retried because the winner could be erased between the two statements.
    for (let attempt = 0; attempt < 5; attempt++) {
      const inserted = await this.pool.query(insertUser, userRow.values(user, postgresCodec));
      if (inserted.rowCount === 1) return user;
      // The same precedence as SQLite: the holder of the username first, then the holder of the id.
      const existing =
        (normalised !== null ? await this.findNormalised(normalised) : null) ?? (await this.findById(user.id));
      if (existing) return existing;
    }
    throw new Error(`users.create: user ${user.id} neither inserted nor found`);
  }

  async findById(id: string): Promise<StoredUser | null> {
    const { rows } = await this.pool.query('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async findByUsername(username: string): Promise<StoredUser | null> {
    return this.findNormalised(normaliseUsername(username));
  }

  private async findNormalised(normalised: string): Promise<StoredUser | null> {
    const { rows } = await this.pool.query('SELECT * FROM users WHERE username_normalised = $1', [normalised]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async list(filter: { username?: string; limit: number }): Promise<StoredUser[]> {
    const { rows } =
      filter.username !== undefined
        ? await this.pool.query('SELECT * FROM users WHERE username_normalised = $1 LIMIT $2', [normaliseUsername(filter.username), filter.limit])
        : await this.pool.query('SELECT * FROM users ORDER BY created_at, id LIMIT $1', [filter.limit]);
    return rows.map(toUser);
  }

  async delete(id: string, records?: ChangeRecords): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM authenticators WHERE user_id = $1', [id]);
      await client.query('DELETE FROM recovery_codes WHERE user_id = $1', [id]);
      await client.query('DELETE FROM credential_attempts WHERE subject = $1', [id]);
      // Their Authsignal actions and app sessions (#22).
      await client.query('DELETE FROM authsignal_actions WHERE user_id = $1', [id]);
      await client.query('DELETE FROM authsignal_sessions WHERE user_id = $1', [id]);
      // Their sessions, with what those sessions recorded and sent.
      await client.query(
        `WITH gone AS (DELETE FROM sessions WHERE user_id = $1 RETURNING id, row_id),
              events AS (DELETE FROM timeline_runs WHERE session_row IN (SELECT row_id FROM gone))
         DELETE FROM outbox WHERE session_id IN (SELECT id FROM gone)`,
        [id],
      );
      if ((await client.query('DELETE FROM users WHERE id = $1', [id])).rowCount !== 1) return false;
      await writeChangeRecords(client, records);
      return true;
    });
  }

  // ---- Authsignal-compatible API (#22) ----
  async update(id: string, username: string | null, attributes: JsonObject): Promise<'updated' | 'not_found' | 'username_taken'> {
    const normalised = username === null ? null : normaliseUsername(username);
    try {
      const { rowCount } = await this.pool.query('UPDATE users SET username = $1, username_normalised = $2, attributes = $3 WHERE id = $4', [
        username,
        normalised,
        postgresCodec.writeJson(attributes),
        id,
      ]);
      return rowCount === 1 ? 'updated' : 'not_found';
    } catch (error) {
      // The unique key decides between racing updates: the loser learns the name is taken.
      if ((error as { code?: string }).code === '23505') return 'username_taken';
      throw error;
    }
  }

  async listByAttribute(name: 'email' | 'phoneNumber', value: string, limit: number): Promise<StoredUser[]> {
    const { rows } = await this.pool.query('SELECT * FROM users WHERE attributes->>$1 = $2 ORDER BY created_at, id LIMIT $3', [name, value, limit]);
    return rows.map(toUser);
  }

  async listAfterId(afterId: string | null, limit: number): Promise<StoredUser[]> {
    const { rows } =
      afterId === null
        ? await this.pool.query('SELECT * FROM users ORDER BY id LIMIT $1', [limit])
        : await this.pool.query('SELECT * FROM users WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit]);
    return rows.map(toUser);
  }
}
