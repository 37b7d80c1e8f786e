/**
 * Webhook subscriptions and the delivery queue. A claim is one UPDATE … RETURNING: SQLite has one
 * writer at a time, so a due delivery is taken by exactly one process, which holds it until its
 * lease runs out; the random claim then fences the result it records.
 */
import type Database from 'better-sqlite3';
import type { ChangeRecords, ClaimedDelivery, WebhookDeliveryRecord, WebhookDeliveryStatus, WebhookStore, WebhookSubscriptionRecord } from '../store.js';
import { insertStatement } from '../rows/shape.js';
import { CLAIMED_COLUMNS, DELIVERY_SELECT, claimedFrom, deliveryFrom, subscriptionRow } from '../rows/webhooks.js';
import { writeChangeRecords } from './change-records.js';
import { sqliteCodec, type Row } from './codec.js';

const insertSubscription = insertStatement(subscriptionRow, sqliteCodec);

export class SqliteWebhooks implements WebhookStore {
  constructor(private readonly db: Database.Database) {}

  async createSubscription(subscription: WebhookSubscriptionRecord, records?: ChangeRecords): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare(insertSubscription).run(...subscriptionRow.values(subscription, sqliteCodec));
      writeChangeRecords(this.db, records);
    })();
  }

  async listSubscriptions(): Promise<WebhookSubscriptionRecord[]> {
    return (this.db.prepare('SELECT * FROM webhook_subscriptions ORDER BY created_at, id').all() as Row[]).map((r) => subscriptionRow.fromRow(r, sqliteCodec));
  }

  async getSubscription(id: string): Promise<WebhookSubscriptionRecord | null> {
    const r = this.db.prepare('SELECT * FROM webhook_subscriptions WHERE id = ?').get(id) as Row | undefined;
    return r ? subscriptionRow.fromRow(r, sqliteCodec) : null;
  }

  async deleteSubscription(id: string, records?: ChangeRecords): Promise<boolean> {
    return this.db.transaction(() => {
      // Its deliveries go with it (ON DELETE CASCADE); the events stay for other subscribers.
      if (this.db.prepare('DELETE FROM webhook_subscriptions WHERE id = ?').run(id).changes !== 1) return false;
      writeChangeRecords(this.db, records);
      return true;
    })();
  }

  async claimDue(now: string, leaseUntil: string, claim: string, limit: number): Promise<ClaimedDelivery[]> {
    return this.db.transaction(() => {
      const ids = this.db
        .prepare(
          `UPDATE webhook_deliveries SET claim = ?, lease_until = ?, attempts = attempts + 1
            WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?
                           AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_attempt_at, id LIMIT ?)
            RETURNING id`,
        )
        .pluck()
        .all(claim, leaseUntil, now, now, limit) as string[];
      if (ids.length === 0) return [];
      const rows = this.db
        .prepare(
          `SELECT ${CLAIMED_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
             JOIN webhook_subscriptions s ON s.id = d.subscription_id WHERE d.claim = ? ORDER BY d.next_attempt_at, d.id`,
        )
        .all(claim) as Row[];
      return rows.map((r) => claimedFrom(r, sqliteCodec));
    }).immediate();
  }

  async markDelivered(id: string, claim: string, at: string, status: number): Promise<boolean> {
    return (
      this.db
        .prepare(
          `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = ?, last_status = ?, last_error = NULL, claim = NULL, lease_until = NULL
            WHERE id = ? AND claim = ? AND status = 'pending'`,
        )
        .run(at, status, id, claim).changes === 1
    );
  }

  async markFailed(id: string, claim: string, failure: { error: string; status: number | null; nextAttemptAt: string | null }): Promise<boolean> {
    const dead = failure.nextAttemptAt === null;
    return (
      this.db
        .prepare(
          `UPDATE webhook_deliveries SET status = ?, next_attempt_at = COALESCE(?, next_attempt_at), last_error = ?, last_status = ?, claim = NULL, lease_until = NULL
            WHERE id = ? AND claim = ? AND status = 'pending'`,
        )
        .run(dead ? 'dead' : 'pending', failure.nextAttemptAt, failure.error, failure.status, id, claim).changes === 1
    );
  }

  async listDeliveries(filter: { status?: WebhookDeliveryStatus; subscriptionId?: string; eventId?: string; limit: number }): Promise<WebhookDeliveryRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (column: string, value: unknown) => {
      where.push(`${column} = ?`);
      params.push(value);
    };
    if (filter.status) add('d.status', filter.status);
    if (filter.subscriptionId) add('d.subscription_id', filter.subscriptionId);
    if (filter.eventId) add('d.event_id', filter.eventId);
    const sql = `${DELIVERY_SELECT} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY d.created_at DESC, d.id LIMIT ?`;
    return (this.db.prepare(sql).all(...params, filter.limit) as Row[]).map(deliveryFrom);
  }

  async getDelivery(id: string): Promise<WebhookDeliveryRecord | null> {
    const r = this.db.prepare(`${DELIVERY_SELECT} WHERE d.id = ?`).get(id) as Row | undefined;
    return r ? deliveryFrom(r) : null;
  }

  async retry(id: string, now: string, records?: ChangeRecords): Promise<boolean> {
    return this.db.transaction(() => {
      const changed = this.db
        .prepare(`UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, claim = NULL, lease_until = NULL WHERE id = ? AND status = 'dead'`)
        .run(now, id).changes;
      if (changed !== 1) return false;
      writeChangeRecords(this.db, records);
      return true;
    })();
  }
}
