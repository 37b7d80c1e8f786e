/**
 * Sends a message on the first of several channels that delivers (automatic fallback), after
 * counting it against the destination's send limit in the store (SMS pumping protection that
 * holds across processes).
 */
import type { Logger } from 'pino';
import type { CounterStore } from '../store/store.js';
import { DeliveryError, type ChannelName, type MessageProvider, type OutgoingMessage } from './channel.js';

export class SendLimitError extends Error {
  constructor() {
    super('too many messages to this destination: try again later');
  }
}

export class AllChannelsFailedError extends Error {
  constructor(readonly failures: Array<{ channel: ChannelName; reason: string }>) {
    super(`no channel delivered the message (${failures.map((f) => `${f.channel}: ${f.reason}`).join(', ')})`);
  }
}

export interface SendLimit {
  count: number;
  windowSeconds: number;
}

export interface MessageDelivery {
  /** Tries `channels` in order; answers the channel that delivered. */
  /**
   * With an idempotency key, the send is recorded in the store before anything goes out; a second
   * send with the same key sends nothing (answers `duplicate`).
   */
  send(message: Omit<OutgoingMessage, 'channel'>, channels: ChannelName[], options?: { idempotencyKey?: string }): Promise<{ channel: ChannelName; duplicate?: boolean }>;
}

export function createMessageDelivery(options: {
  providers: Record<ChannelName, MessageProvider>;
  counters: CounterStore;
  sendLimit: SendLimit;
  now: () => Date;
  logger: Logger;
  onResult?: (channel: ChannelName, result: 'delivered' | 'failed' | 'rate_limited') => void;
}): MessageDelivery {
  return {
    async send(message, channels, { idempotencyKey } = {}) {
      if (idempotencyKey && (await options.counters.increment(`once:${idempotencyKey}`, 86400, options.now().toISOString())) > 1) {
        options.logger.warn({ sessionId: message.sessionId }, 'a send was asked twice for one submit: not sent again');
        return { channel: channels[0], duplicate: true };
      }
      const sent = await options.counters.increment(`send:${message.to}`, options.sendLimit.windowSeconds, options.now().toISOString());
      if (sent > options.sendLimit.count) {
        options.onResult?.(channels[0], 'rate_limited');
        throw new SendLimitError();
      }
      const failures: Array<{ channel: ChannelName; reason: string }> = [];
      for (const channel of channels) {
        const provider = options.providers[channel];
        try {
          await provider.send({ ...message, channel });
          options.logger.info({ channel, provider: provider.name, sessionId: message.sessionId }, 'message delivered');
          options.onResult?.(channel, 'delivered');
          return { channel };
        } catch (error) {
          const reason = error instanceof DeliveryError ? error.reason : 'rejected';
          options.logger.warn({ channel, provider: provider.name, reason, sessionId: message.sessionId }, 'delivery failed; trying the next channel');
          options.onResult?.(channel, 'failed');
          failures.push({ channel, reason });
        }
      }
      throw new AllChannelsFailedError(failures);
    },
  };
}
