/** Journey drafts, published versions and documents by hash. */
import type pg from 'pg';
import type { JsonObject } from '../../json.js';
import { RevisionConflictError, type ChangeRecords, type DraftRecord, type JourneyStore, type JourneySummary, type VersionRecord } from '../store.js';
import { inTransaction } from './pool.js';

import { draftFrom, summaryFrom, versionFrom } from '../rows/journeys.js';
import { hasRecords, writeChangeRecords } from './change-records.js';
import { json, postgresCodec, type Row } from './codec.js';

export class PostgresJourneys implements JourneyStore {
  constructor(private readonly pool: pg.Pool) {}

  async list(): Promise<JourneySummary[]> {
    const { rows } = await this.pool.query(
      `SELECT d.id, d.name, d.updated_at,
              (SELECT MAX(version) FROM journey_versions v WHERE v.journey_id = d.id AND NOT v.deleted) AS latest
         FROM journey_drafts d ORDER BY d.id`,
    );
    return rows.map(summaryFrom);
  }

  async getDraft(id: string): Promise<DraftRecord | null> {
    const { rows } = await this.pool.query('SELECT * FROM journey_drafts WHERE id = $1', [id]);
    const r = rows[0] as Row | undefined;
    return r ? draftFrom(r, postgresCodec) : null;
  }

  async isKnown(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'SELECT 1 FROM journey_drafts WHERE id = $1 UNION ALL SELECT 1 FROM journey_version_counters WHERE journey_id = $1 LIMIT 1',
      [id],
    );
    return rowCount === 1;
  }

  async saveDraft(id: string, document: JsonObject, at: string, expectedRevision?: number, records?: ChangeRecords): Promise<DraftRecord> {
    if (hasRecords(records)) return inTransaction(this.pool, async (client) => this.saveDraftOn(client, id, document, at, expectedRevision, records));
    return this.saveDraftOn(this.pool, id, document, at, expectedRevision);
  }

  private async saveDraftOn(
    db: pg.Pool | pg.PoolClient,
    id: string,
    document: JsonObject,
    at: string,
    expectedRevision?: number,
    records?: ChangeRecords,
  ): Promise<DraftRecord> {
    const name = typeof document.name === 'string' ? document.name : id;
    const values = [id, name, json(document), at];
    // Each variant is one statement whose WHERE is the compare-and-set: two saves expecting the
    // same revision cannot both pass, whichever process they run in.
    const { rows } =
      expectedRevision === undefined || expectedRevision === 0
        ? await db.query(
            `INSERT INTO journey_drafts AS d (id, name, document, revision, updated_at) VALUES ($1, $2, $3, 1, $4)
             ON CONFLICT (id) DO ${
               expectedRevision === undefined
                 ? 'UPDATE SET name = excluded.name, document = excluded.document, revision = d.revision + 1, updated_at = excluded.updated_at'
                 : 'NOTHING' // revision 0 means "not saved yet": an existing draft is a conflict.
             }
             RETURNING revision`,
            values,
          )
        : await db.query(
            `UPDATE journey_drafts SET name = $2, document = $3, revision = revision + 1, updated_at = $4
              WHERE id = $1 AND revision = $5 RETURNING revision`,
            [...values, expectedRevision],
          );
    if (rows.length === 0) throw new RevisionConflictError();
    await writeChangeRecords(db, records);
    return { id, document, revision: rows[0].revision, updatedAt: at };
  }

  async delete(id: string, records?: ChangeRecords): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query(
        `WITH drafts AS (DELETE FROM journey_drafts WHERE id = $1 RETURNING 1),
              versions AS (UPDATE journey_versions SET deleted = true WHERE journey_id = $1 AND NOT deleted RETURNING 1)
         SELECT (SELECT count(*) FROM drafts) + (SELECT count(*) FROM versions) AS changed`,
        [id],
      );
      if (Number(rows[0].changed) === 0) return false;
      await writeChangeRecords(client, records);
      return true;
    });
  }

  async publish(id: string, documentHash: string, document: JsonObject, at: string, records?: (version: VersionRecord) => ChangeRecords): Promise<VersionRecord> {
    return inTransaction(this.pool, async (client) => {
      await client.query('INSERT INTO journey_documents (hash, document) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING', [documentHash, json(document)]);
      // The upsert locks the counter row: concurrent publishes number one after another.
      const counter = await client.query(
        `INSERT INTO journey_version_counters AS c (journey_id, last_version) VALUES ($1, 1)
         ON CONFLICT (journey_id) DO UPDATE SET last_version = c.last_version + 1 RETURNING last_version`,
        [id],
      );
      const version = counter.rows[0].last_version as number;
      await client.query('INSERT INTO journey_versions (journey_id, version, document_hash, published_at) VALUES ($1, $2, $3, $4)', [
        id,
        version,
        documentHash,
        at,
      ]);
      const published = { journeyId: id, version, documentHash, publishedAt: at };
      await writeChangeRecords(client, records?.(published));
      return published;
    });
  }

  async listVersions(id: string): Promise<VersionRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM journey_versions WHERE journey_id = $1 AND NOT deleted ORDER BY version', [id]);
    return rows.map(versionFrom);
  }

  async getVersion(id: string, version: number): Promise<VersionRecord | null> {
    const { rows } = await this.pool.query('SELECT * FROM journey_versions WHERE journey_id = $1 AND version = $2 AND NOT deleted', [id, version]);
    return rows[0] ? versionFrom(rows[0]) : null;
  }

  async getLatestVersion(id: string): Promise<VersionRecord | null> {
    const { rows } = await this.pool.query(
      'SELECT * FROM journey_versions WHERE journey_id = $1 AND NOT deleted ORDER BY version DESC LIMIT 1',
      [id],
    );
    return rows[0] ? versionFrom(rows[0]) : null;
  }

  async putDocument(hash: string, document: JsonObject): Promise<void> {
    await this.pool.query('INSERT INTO journey_documents (hash, document) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING', [hash, json(document)]);
  }

  async getDocument(hash: string): Promise<JsonObject | null> {
    const { rows } = await this.pool.query('SELECT document FROM journey_documents WHERE hash = $1', [hash]);
    return rows[0] ? postgresCodec.readJson<JsonObject>(rows[0].document) : null;
  }
}
