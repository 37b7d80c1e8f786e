/**
 * Webhook subscriptions and the delivery queue. A claim is one UPDATE over the due rows chosen
 * with FOR UPDATE SKIP LOCKED: processes claiming at once take disjoint deliveries without
 * waiting on each other, and each holds its deliveries until its lease runs out; the random
 * claim then fences the result it records.
 */
import type pg from 'pg';
import type { ChangeRecords, ClaimedDelivery, WebhookDeliveryRecord, WebhookDeliveryStatus, WebhookStore, WebhookSubscriptionRecord } from '../store.js';
import { insertStatement } from '../rows/shape.js';
import { CLAIMED_COLUMNS, DELIVERY_SELECT, claimedFrom, deliveryFrom, subscriptionRow } from '../rows/webhooks.js';
import { writeChangeRecords } from './change-records.js';
import { postgresCodec, type Row } from './codec.js';
import { inTransaction } from './pool.js';

const insertSubscription = insertStatement(subscriptionRow, postgresCodec);

export class PostgresWebhooks implements WebhookStore {
  constructor(private readonly pool: pg.Pool) {}

  async createSubscription(subscription: WebhookSubscriptionRecord, records?: ChangeRecords): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query(insertSubscription, subscriptionRow.values(subscription, postgresCodec));
      await writeChangeRecords(client, records);
    });
  }

  async listSubscriptions(): Promise<WebhookSubscriptionRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM webhook_subscriptions ORDER BY created_at, id');
    return rows.map((r: Row) => subscriptionRow.fromRow(r, postgresCodec));
  }

  async getSubscription(id: string): Promise<WebhookSubscriptionRecord | null> {
    const { rows } = await this.pool.query('SELECT * FROM webhook_subscriptions WHERE id = $1', [id]);
    return rows[0] ? subscriptionRow.fromRow(rows[0], postgresCodec) : null;
  }

  async deleteSubscription(id: string, records?: ChangeRecords): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      // Its deliveries go with it (ON DELETE CASCADE); the events stay for other subscribers.
      if ((await client.query('DELETE FROM webhook_subscriptions WHERE id = $1', [id])).rowCount !== 1) return false;
      await writeChangeRecords(client, records);
      return true;
    });
  }

  async claimDue(now: string, leaseUntil: string, claim: string, limit: number): Promise<ClaimedDelivery[]> {
    const { rows } = await this.pool.query(
      `WITH due AS (
         SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
          ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED),
       claimed AS (
         UPDATE webhook_deliveries d SET claim = $1, lease_until = $2, attempts = d.attempts + 1 FROM due WHERE d.id = due.id
         RETURNING d.*)
       SELECT ${CLAIMED_COLUMNS} FROM claimed d JOIN webhook_events e ON e.id = d.event_id
         JOIN webhook_subscriptions s ON s.id = d.subscription_id ORDER BY d.next_attempt_at, d.id`,
      [claim, leaseUntil, now, limit],
    );
    return rows.map((r: Row) => claimedFrom(r, postgresCodec));
  }

  async markDelivered(id: string, claim: string, at: string, status: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = $1, last_status = $2, last_error = NULL, claim = NULL, lease_until = NULL
        WHERE id = $3 AND claim = $4 AND status = 'pending'`,
      [at, status, id, claim],
    );
    return rowCount === 1;
  }

  async markFailed(id: string, claim: string, failure: { error: string; status: number | null; nextAttemptAt: string | null }): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE webhook_deliveries SET status = $1, next_attempt_at = COALESCE($2, next_attempt_at), last_error = $3, last_status = $4, claim = NULL, lease_until = NULL
        WHERE id = $5 AND claim = $6 AND status = 'pending'`,
      [failure.nextAttemptAt === null ? 'dead' : 'pending', failure.nextAttemptAt, failure.error, failure.status, id, claim],
    );
    return rowCount === 1;
  }

  async listDeliveries(filter: { status?: WebhookDeliveryStatus; subscriptionId?: string; eventId?: string; limit: number }): Promise<WebhookDeliveryRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (column: string, value: unknown) => {
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    if (filter.status) add('d.status', filter.status);
    if (filter.subscriptionId) add('d.subscription_id', filter.subscriptionId);
    if (filter.eventId) add('d.event_id', filter.eventId);
    params.push(filter.limit);
    const sql = `${DELIVERY_SELECT} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY d.created_at DESC, d.id LIMIT $${params.length}`;
    return (await this.pool.query(sql, params)).rows.map(deliveryFrom);
  }

  async getDelivery(id: string): Promise<WebhookDeliveryRecord | null> {
    const { rows } = await this.pool.query(`${DELIVERY_SELECT} WHERE d.id = $1`, [id]);
    return rows[0] ? deliveryFrom(rows[0]) : null;
  }

  async retry(id: string, now: string, records?: ChangeRecords): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query(
        `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1, claim = NULL, lease_until = NULL WHERE id = $2 AND status = 'dead'`,
        [now, id],
      );
      if (rowCount !== 1) return false;
      await writeChangeRecords(client, records);
      return true;
    });
  }
}
