/** Rows of `outbox`: the message's `to` is the column `recipient`. */
import type { OutboxMessage } from '../store.js';
import type { RowShape } from './shape.js';

export const outboxRow: RowShape<OutboxMessage> = {
  table: 'outbox',
  columns: ['id', 'channel', 'recipient', 'body', 'session_id', 'created_at'],
  fromRow: (r) => ({ id: r.id, channel: r.channel, to: r.recipient, body: r.body, sessionId: r.session_id, createdAt: r.created_at }),
  values: (m) => [m.id, m.channel, m.to, m.body, m.sessionId, m.createdAt],
};
