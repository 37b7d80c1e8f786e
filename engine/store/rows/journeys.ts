/** Rows of `journey_drafts`, `journey_versions` and the journey list. */
import type { DraftRecord, JourneySummary, VersionRecord } from '../store.js';
import type { ColumnCodec, Row } from './codec.js';

export const draftFrom = (r: Row, codec: ColumnCodec): DraftRecord => ({
  id: r.id,
  document: codec.readJson(r.document),
  revision: r.revision,
  updatedAt: r.updated_at,
});

export const versionFrom = (r: Row): VersionRecord => ({
  journeyId: r.journey_id,
  version: r.version,
  documentHash: r.document_hash,
  publishedAt: r.published_at,
});

/** A row of the list query: a draft's id, name and update time with its latest live version (`latest`). */
export const summaryFrom = (r: Row): JourneySummary => ({
  id: r.id,
  name: r.name,
  updatedAt: r.updated_at,
  latestVersion: r.latest ?? null,
});
