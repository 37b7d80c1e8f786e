/** The audit log: listed here, written only by writeChangeRecords with the change it describes. */
import type pg from 'pg';
import type { AuditFilter, AuditRecord, AuditStore } from '../store.js';
import { auditRecordFrom } from '../rows/audit.js';
import { postgresCodec, type Row } from './codec.js';

export class PostgresAudit implements AuditStore {
  constructor(private readonly pool: pg.Pool) {}

  async list(filter: AuditFilter): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (column: string, op: string, value: unknown) => {
      params.push(value);
      where.push(`${column} ${op} $${params.length}`);
    };
    if (filter.action !== undefined) add('action', '=', filter.action);
    if (filter.actor !== undefined) add('actor', '=', filter.actor);
    if (filter.targetType !== undefined) add('target_type', '=', filter.targetType);
    if (filter.targetId !== undefined) add('target_id', '=', filter.targetId);
    if (filter.from !== undefined) add('at', '>=', filter.from);
    if (filter.to !== undefined) add('at', '<', filter.to);
    if (filter.before !== undefined) add('seq', '<', filter.before);
    params.push(filter.limit);
    const sql = `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT $${params.length}`;
    return (await this.pool.query(sql, params)).rows.map((r: Row) => auditRecordFrom(r, postgresCodec));
  }
}
