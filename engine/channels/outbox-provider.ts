import { randomUUID } from 'node:crypto';
import type { OutboxStore } from '../store/store.js';
import type { ChannelName, MessageProvider, OutgoingMessage } from './channel.js';

/**
 * The development channel: messages are stored, and admins read them at GET /v1/admin/outbox
 * (the one place a one-time code may be read back). Used for any channel with no provider.
 */
export function outboxProvider(channel: ChannelName, outbox: OutboxStore, now: () => Date): MessageProvider {
  return {
    name: 'outbox',
    channel,
    async send(message: OutgoingMessage) {
      const id = randomUUID();
      await outbox.add({ id, channel: message.channel, to: message.to, body: message.body, sessionId: message.sessionId, createdAt: now().toISOString() });
      return { providerMessageId: id };
    },
  };
}
