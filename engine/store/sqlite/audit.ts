/** The audit log: listed here, written only by writeChangeRecords with the change it describes. */
import type Database from 'better-sqlite3';
import type { AuditFilter, AuditRecord, AuditStore } from '../store.js';
import { auditRecordFrom } from '../rows/audit.js';
import { sqliteCodec, type Row } from './codec.js';

export class SqliteAudit implements AuditStore {
  constructor(private readonly db: Database.Database) {}

  async list(filter: AuditFilter): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      where.push(sql);
      params.push(value);
    };
    if (filter.action !== undefined) add('action = ?', filter.action);
    if (filter.actor !== undefined) add('actor = ?', filter.actor);
    if (filter.targetType !== undefined) add('target_type = ?', filter.targetType);
    if (filter.targetId !== undefined) add('target_id = ?', filter.targetId);
    if (filter.from !== undefined) add('at >= ?', filter.from);
    if (filter.to !== undefined) add('at < ?', filter.to);
    if (filter.before !== undefined) add('seq < ?', filter.before);
    const sql = `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, filter.limit) as Row[]).map((r) => auditRecordFrom(r, sqliteCodec));
  }
}
