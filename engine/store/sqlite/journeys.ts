/** Journey drafts, published versions and documents by hash. */
import type Database from 'better-sqlite3';
import type { JsonObject } from '../../json.js';
import { RevisionConflictError, type ChangeRecords, type DraftRecord, type JourneyStore, type JourneySummary, type VersionRecord } from '../store.js';
import { draftFrom, summaryFrom, versionFrom } from '../rows/journeys.js';
import { writeChangeRecords } from './change-records.js';
import { json, sqliteCodec, type Row } from './codec.js';

export class SqliteJourneys implements JourneyStore {
  constructor(private readonly db: Database.Database) {}

  async list(): Promise<JourneySummary[]> {
    const rows = this.db
      .prepare(
        `SELECT d.id, d.name, d.updated_at,
                (SELECT MAX(version) FROM journey_versions v WHERE v.journey_id = d.id AND v.deleted = 0) AS latest
           FROM journey_drafts d ORDER BY d.id`,
      )
      .all() as Row[];
    return rows.map(summaryFrom);
  }

  async getDraft(id: string): Promise<DraftRecord | null> {
    const r = this.db.prepare('SELECT * FROM journey_drafts WHERE id = ?').get(id) as Row | undefined;
    return r ? draftFrom(r, sqliteCodec) : null;
  }

  async isKnown(id: string): Promise<boolean> {
    return (
      this.db
        .prepare('SELECT 1 FROM journey_drafts WHERE id = ? UNION ALL SELECT 1 FROM journey_version_counters WHERE journey_id = ? LIMIT 1')
        .get(id, id) !== undefined
    );
  }

  async saveDraft(id: string, document: JsonObject, at: string, expectedRevision?: number, records?: ChangeRecords): Promise<DraftRecord> {
    const name = typeof document.name === 'string' ? document.name : id;
    return this.db.transaction(() => {
      const current = this.db.prepare('SELECT revision FROM journey_drafts WHERE id = ?').get(id) as Row | undefined;
      if (expectedRevision !== undefined && (current?.revision ?? 0) !== expectedRevision) throw new RevisionConflictError();
      const revision = (current?.revision ?? 0) + 1;
      this.db
        .prepare(
          `INSERT INTO journey_drafts (id, name, document, revision, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, document = excluded.document,
             revision = excluded.revision, updated_at = excluded.updated_at`,
        )
        .run(id, name, json(document), revision, at);
      writeChangeRecords(this.db, records);
      return { id, document, revision, updatedAt: at };
    }).immediate();
  }

  async delete(id: string, records?: ChangeRecords): Promise<boolean> {
    return this.db.transaction(() => {
      const drafts = this.db.prepare('DELETE FROM journey_drafts WHERE id = ?').run(id).changes;
      const versions = this.db.prepare('UPDATE journey_versions SET deleted = 1 WHERE journey_id = ? AND deleted = 0').run(id).changes;
      if (drafts + versions === 0) return false;
      writeChangeRecords(this.db, records);
      return true;
    }).immediate();
  }

  async publish(id: string, documentHash: string, document: JsonObject, at: string, records?: (version: VersionRecord) => ChangeRecords): Promise<VersionRecord> {
    return this.db.transaction(() => {
      this.db.prepare('INSERT OR IGNORE INTO journey_documents (hash, document) VALUES (?, ?)').run(documentHash, json(document));
      const version = this.db
        .prepare(
          `INSERT INTO journey_version_counters (journey_id, last_version) VALUES (?, 1)
           ON CONFLICT (journey_id) DO UPDATE SET last_version = last_version + 1 RETURNING last_version`,
        )
        .pluck()
        .all(id)[0] as number;
      this.db
        .prepare('INSERT INTO journey_versions (journey_id, version, document_hash, published_at) VALUES (?, ?, ?, ?)')
        .run(id, version, documentHash, at);
      const published = { journeyId: id, version, documentHash, publishedAt: at };
      writeChangeRecords(this.db, records?.(published));
      return published;
    }).immediate();
  }

  async listVersions(id: string): Promise<VersionRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM journey_versions WHERE journey_id = ? AND deleted = 0 ORDER BY version')
      .all(id) as Row[];
    return rows.map(versionFrom);
  }

  async getVersion(id: string, version: number): Promise<VersionRecord | null> {
    const r = this.db
      .prepare('SELECT * FROM journey_versions WHERE journey_id = ? AND version = ? AND deleted = 0')
      .get(id, version) as Row | undefined;
    return r ? versionFrom(r) : null;
  }

  async getLatestVersion(id: string): Promise<VersionRecord | null> {
    const r = this.db
      .prepare('SELECT * FROM journey_versions WHERE journey_id = ? AND deleted = 0 ORDER BY version DESC LIMIT 1')
      .get(id) as Row | undefined;
    return r ? versionFrom(r) : null;
  }

  async putDocument(hash: string, document: JsonObject): Promise<void> {
    this.db.prepare('INSERT OR IGNORE INTO journey_documents (hash, document) VALUES (?, ?)').run(hash, json(document));
  }

  async getDocument(hash: string): Promise<JsonObject | null> {
    const text = this.db.prepare('SELECT document FROM journey_documents WHERE hash = ?').pluck().get(hash) as string | undefined;
    return text === undefined ? null : sqliteCodec.readJson<JsonObject>(text);
  }
}
