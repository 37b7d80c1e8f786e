/** Rows of `sessions` and `timeline_runs`. */
import type { SessionRecord, TimelineEvent } from '../store.js';
import type { ColumnCodec } from './codec.js';
import type { RowShape } from './shape.js';

export const sessionRow: RowShape<SessionRecord> = {
  table: 'sessions',
  columns: [
    'id',
    'journey_id',
    'journey_version',
    'document_hash',
    'status',
    'step_id',
    'user_id',
    'snapshot',
    'revision',
    'token_hash',
    'test_run',
    'created_at',
    'updated_at',
    'expires_at',
    'lease_until',
  ],
  fromRow: (r, codec) => ({
    id: r.id,
    journeyId: r.journey_id,
    journeyVersion: r.journey_version,
    documentHash: r.document_hash,
    status: r.status,
    stepId: r.step_id,
    userId: r.user_id,
    snapshot: codec.readJson(r.snapshot),
    revision: r.revision,
    tokenHash: r.token_hash,
    testRun: codec.readBoolean(r.test_run),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    expiresAt: r.expires_at,
    leaseUntil: r.lease_until,
  }),
  values: (s, codec) => [
    s.id,
    s.journeyId,
    s.journeyVersion,
    s.documentHash,
    s.status,
    s.stepId,
    s.userId,
    codec.writeJson(s.snapshot),
    s.revision,
    s.tokenHash,
    codec.writeBoolean(s.testRun),
    s.createdAt,
    s.updatedAt,
    s.expiresAt,
    s.leaseUntil,
  ],
};

/** The `events` column of a timeline row: one run's events, in order. */
export const timelineRunFrom = (value: unknown, codec: ColumnCodec): TimelineEvent[] => codec.readJson<TimelineEvent[]>(value);
