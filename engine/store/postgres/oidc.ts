/** The OpenID provider's artefacts and clients in PostgreSQL (#18): any process continues any interaction. */
import type pg from 'pg';
import type { ChangeRecords, OidcClientRecord, OidcClientStore, OidcModelRecord, OidcModelStore } from '../store.js';
import { writeChangeRecords } from './change-records.js';
import { inTransaction } from './pool.js';
import { journeysOf, oidcClientRow, oidcModelRow } from '../rows/oidc.js';
import { insertStatement } from '../rows/shape.js';
import { postgresCodec, type Row } from './codec.js';

const upsertModel = `${insertStatement(oidcModelRow, postgresCodec)}
  ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code,
    uid = excluded.uid, expires_at = excluded.expires_at, consumed_at = excluded.consumed_at`;
const live = '(expires_at IS NULL OR expires_at > $3)';
const toModel = (rows: Row[]): OidcModelRecord | null => (rows[0] ? oidcModelRow.fromRow(rows[0], postgresCodec) : null);

export class PostgresOidcModels implements OidcModelStore {
  constructor(private readonly pool: pg.Pool) {}

  async upsert(m: OidcModelRecord): Promise<void> {
    await this.pool.query(upsertModel, oidcModelRow.values(m, postgresCodec));
  }

  async find(model: string, id: string, now: string): Promise<OidcModelRecord | null> {
    return toModel((await this.pool.query(`SELECT * FROM oidc_models WHERE model = $1 AND id = $2 AND ${live}`, [model, id, now])).rows);
  }

  async findByUid(model: string, uid: string, now: string): Promise<OidcModelRecord | null> {
    return toModel((await this.pool.query(`SELECT * FROM oidc_models WHERE model = $1 AND uid = $2 AND ${live}`, [model, uid, now])).rows);
  }

  async findByUserCode(model: string, userCode: string, now: string): Promise<OidcModelRecord | null> {
    return toModel((await this.pool.query(`SELECT * FROM oidc_models WHERE model = $1 AND user_code = $2 AND ${live}`, [model, userCode, now])).rows);
  }

  async consume(model: string, id: string, at: string): Promise<boolean> {
    // A racing update waits for the first to commit, then re-checks consumed_at: one wins.
    const { rowCount } = await this.pool.query('UPDATE oidc_models SET consumed_at = $1 WHERE model = $2 AND id = $3 AND consumed_at IS NULL', [at, model, id]);
    return rowCount === 1;
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.pool.query('DELETE FROM oidc_models WHERE model = $1 AND id = $2', [model, id]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.pool.query('DELETE FROM oidc_models WHERE grant_id = $1', [grantId]);
  }

  async deleteExpired(before: string): Promise<number> {
    return (await this.pool.query('DELETE FROM oidc_models WHERE expires_at < $1', [before])).rowCount ?? 0;
  }
}

const insertClient = insertStatement(oidcClientRow, postgresCodec);
const toClient = (r: Row): OidcClientRecord => oidcClientRow.fromRow(r, postgresCodec);

export class PostgresOidcClients implements OidcClientStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(c: OidcClientRecord, records?: ChangeRecords): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query(`${insertClient} ON CONFLICT (id) DO NOTHING`, oidcClientRow.values(c, postgresCodec));
      if (rowCount !== 1) return false;
      await writeChangeRecords(client, records);
      return true;
    });
  }

  async get(id: string): Promise<OidcClientRecord | null> {
    const { rows } = await this.pool.query('SELECT * FROM oidc_clients WHERE id = $1', [id]);
    return rows[0] ? toClient(rows[0]) : null;
  }

  async list(): Promise<OidcClientRecord[]> {
    return (await this.pool.query('SELECT * FROM oidc_clients ORDER BY id')).rows.map(toClient);
  }

  async update(c: OidcClientRecord, records?: ChangeRecords): Promise<boolean> {
    const [, metadata, sealedSecret, journeyId, acrJourneys, firstParty, , updatedAt] = oidcClientRow.values(c, postgresCodec);
    return inTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query(
        'UPDATE oidc_clients SET metadata = $1, sealed_secret = $2, journey_id = $3, acr_journeys = $4, first_party = $5, updated_at = $6 WHERE id = $7',
        [metadata, sealedSecret, journeyId, acrJourneys, firstParty, updatedAt, c.id],
      );
      if (rowCount !== 1) return false;
      await writeChangeRecords(client, records);
      return true;
    });
  }

  async delete(id: string, records?: ChangeRecords): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      if (((await client.query('DELETE FROM oidc_clients WHERE id = $1', [id])).rowCount ?? 0) !== 1) return false;
      await writeChangeRecords(client, records);
      return true;
    });
  }

  async usingJourney(journeyId: string): Promise<string[]> {
    // A handful of clients: read them all rather than query inside the JSON map.
    return (await this.list()).filter((c) => journeysOf(c).includes(journeyId)).map((c) => c.id);
  }
}
