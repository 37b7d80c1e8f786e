/** The OpenID provider's artefacts and clients in SQLite (#18). */
import type Database from 'better-sqlite3';
import type { ChangeRecords, OidcClientRecord, OidcClientStore, OidcModelRecord, OidcModelStore } from '../store.js';
import { writeChangeRecords } from './change-records.js';
import { journeysOf, oidcClientRow, oidcModelRow } from '../rows/oidc.js';
import { insertStatement } from '../rows/shape.js';
import { sqliteCodec, type Row } from './codec.js';

const upsertModel = `${insertStatement(oidcModelRow, sqliteCodec)}
  ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code,
    uid = excluded.uid, expires_at = excluded.expires_at, consumed_at = excluded.consumed_at`;
const live = '(expires_at IS NULL OR expires_at > ?)';
const toModel = (r: Row | undefined): OidcModelRecord | null => (r ? oidcModelRow.fromRow(r, sqliteCodec) : null);

export class SqliteOidcModels implements OidcModelStore {
  constructor(private readonly db: Database.Database) {}

  async upsert(m: OidcModelRecord): Promise<void> {
    this.db.prepare(upsertModel).run(...oidcModelRow.values(m, sqliteCodec));
  }

  async find(model: string, id: string, now: string): Promise<OidcModelRecord | null> {
    return toModel(this.db.prepare(`SELECT * FROM oidc_models WHERE model = ? AND id = ? AND ${live}`).get(model, id, now) as Row | undefined);
  }

  async findByUid(model: string, uid: string, now: string): Promise<OidcModelRecord | null> {
    return toModel(this.db.prepare(`SELECT * FROM oidc_models WHERE model = ? AND uid = ? AND ${live}`).get(model, uid, now) as Row | undefined);
  }

  async findByUserCode(model: string, userCode: string, now: string): Promise<OidcModelRecord | null> {
    return toModel(this.db.prepare(`SELECT * FROM oidc_models WHERE model = ? AND user_code = ? AND ${live}`).get(model, userCode, now) as Row | undefined);
  }

  async consume(model: string, id: string, at: string): Promise<boolean> {
    return this.db.prepare('UPDATE oidc_models SET consumed_at = ? WHERE model = ? AND id = ? AND consumed_at IS NULL').run(at, model, id).changes === 1;
  }

  async destroy(model: string, id: string): Promise<void> {
    this.db.prepare('DELETE FROM oidc_models WHERE model = ? AND id = ?').run(model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.db.prepare('DELETE FROM oidc_models WHERE grant_id = ?').run(grantId);
  }

  async deleteExpired(before: string): Promise<number> {
    return this.db.prepare('DELETE FROM oidc_models WHERE expires_at < ?').run(before).changes;
  }
}

const insertClient = insertStatement(oidcClientRow, sqliteCodec);
const toClient = (r: Row): OidcClientRecord => oidcClientRow.fromRow(r, sqliteCodec);

export class SqliteOidcClients implements OidcClientStore {
  constructor(private readonly db: Database.Database) {}

  async create(c: OidcClientRecord, records?: ChangeRecords): Promise<boolean> {
    return this.db.transaction(() => {
      const created = this.db.prepare(`${insertClient} ON CONFLICT (id) DO NOTHING`).run(...oidcClientRow.values(c, sqliteCodec)).changes === 1;
      if (created) writeChangeRecords(this.db, records);
      return created;
    })();
  }

  async get(id: string): Promise<OidcClientRecord | null> {
    const r = this.db.prepare('SELECT * FROM oidc_clients WHERE id = ?').get(id) as Row | undefined;
    return r ? toClient(r) : null;
  }

  async list(): Promise<OidcClientRecord[]> {
    return (this.db.prepare('SELECT * FROM oidc_clients ORDER BY id').all() as Row[]).map(toClient);
  }

  async update(c: OidcClientRecord, records?: ChangeRecords): Promise<boolean> {
    const [, metadata, sealedSecret, journeyId, acrJourneys, firstParty, , updatedAt] = oidcClientRow.values(c, sqliteCodec);
    return this.db.transaction(() => {
      const updated =
        this.db
          .prepare('UPDATE oidc_clients SET metadata = ?, sealed_secret = ?, journey_id = ?, acr_journeys = ?, first_party = ?, updated_at = ? WHERE id = ?')
          .run(metadata, sealedSecret, journeyId, acrJourneys, firstParty, updatedAt, c.id).changes === 1;
      if (updated) writeChangeRecords(this.db, records);
      return updated;
    })();
  }

  async delete(id: string, records?: ChangeRecords): Promise<boolean> {
    return this.db.transaction(() => {
      const deleted = this.db.prepare('DELETE FROM oidc_clients WHERE id = ?').run(id).changes === 1;
      if (deleted) writeChangeRecords(this.db, records);
      return deleted;
    })();
  }

  async usingJourney(journeyId: string): Promise<string[]> {
    // A handful of clients: read them all rather than query inside the JSON map.
    return (await this.list()).filter((c) => journeysOf(c).includes(journeyId)).map((c) => c.id);
  }
}
