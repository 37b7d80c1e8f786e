/** Rows of `audit_log`: `seq` orders the log (and pages it); the rest is the entry. */
import type { AuditEntry, AuditRecord } from '../store.js';
import type { ColumnCodec, Row } from './codec.js';
import type { RowShape } from './shape.js';

export const auditRow: RowShape<AuditEntry> = {
  table: 'audit_log',
  columns: ['id', 'at', 'actor', 'action', 'target_type', 'target_id', 'client_address', 'details'],
  fromRow: (r, codec) => ({
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    clientAddress: r.client_address,
    details: codec.readJson(r.details),
  }),
  values: (e, codec) => [e.id, e.at, e.actor, e.action, e.targetType, e.targetId, e.clientAddress, codec.writeJson(e.details)],
};

export const auditRecordFrom = (r: Row, codec: ColumnCodec): AuditRecord => ({ seq: Number(r.seq), ...auditRow.fromRow(r, codec) });
