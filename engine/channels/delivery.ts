/**
 * Sends a message on the first of several channels that delivers (automatic fallback), after
 * counting it against the send limits in the store (SMS pumping and toll-fraud protection that
 * holds across processes): per destination, per client address, and for phone messages per
 * destination country and in all, with an allow-list of destination countries.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Logger } from 'pino';
import type { CounterStore } from '../store/store.js';
import { DeliveryError, type ChannelName, type MessageProvider, type OutgoingMessage } from './channel.js';

export class SendLimitError extends Error {
  constructor(
    readonly scope: SendLimitScope,
    /** Seconds until the window is sure to have passed (an upper bound). */
    readonly retryAfter: number,
  ) {
    super(SEND_LIMIT_MESSAGES[scope]);
  }
}

export type SendLimitScope = 'destination' | 'client' | 'country' | 'global';
const SEND_LIMIT_MESSAGES: Record<SendLimitScope, string> = {
  destination: 'too many messages to this destination: try again later',
  client: 'too many messages requested from this address: try again later',
  country: 'too many messages to this country: try again later',
  global: 'too many messages sent: try again later',
};

/** A phone destination outside the countries messages may go to. */
export class CountryNotAllowedError extends Error {
  constructor() {
    super('messages cannot be sent to this country');
  }
}

export interface SendLimits {
  destination: SendLimit;
  client: SendLimit;
  /** Phone channels only. */
  country: SendLimit;
  /** Phone channels only. */
  global: SendLimit;
  /** ISO 3166 countries phone messages may go to; null: any. */
  allowedCountries: readonly string[] | null;
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
  limits: SendLimits;
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
      try {
        await checkLimits(message, channels, options.limits, options.counters, options.now().toISOString());
      } catch (error) {
        if (error instanceof SendLimitError) {
          options.onResult?.(channels[0], 'rate_limited');
          options.logger.warn({ scope: error.scope, sessionId: message.sessionId }, 'send limit reached');
        }
        throw error;
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

/**
 * Refuses a phone message to a country not allowed, then counts the message against each limit,
 * widest first, stopping at the first one past its count (so a refused send does not use up the
 * narrower counters).
 */
async function checkLimits(
  message: { to: string; clientAddress?: string | null },
  channels: ChannelName[],
  limits: SendLimits,
  counters: CounterStore,
  now: string,
): Promise<void> {
  const phone = channels.some((c) => c === 'sms' || c === 'whatsapp') && message.to.startsWith('+');
  const counted: Array<[SendLimitScope, string, SendLimit]> = [];
  if (phone) {
    const parsed = parsePhoneNumberFromString(message.to);
    if (limits.allowedCountries && !(parsed?.country && limits.allowedCountries.includes(parsed.country))) throw new CountryNotAllowedError();
    counted.push(['global', 'send:global:phone', limits.global]);
    counted.push(['country', `send:country:${parsed?.countryCallingCode ?? 'unknown'}`, limits.country]);
  }
  if (message.clientAddress) counted.push(['client', `send:client:${message.clientAddress}`, limits.client]);
  counted.push(['destination', `send:${message.to}`, limits.destination]);
  for (const [scope, key, limit] of counted) {
    if ((await counters.increment(key, limit.windowSeconds, now)) > limit.count) throw new SendLimitError(scope, limit.windowSeconds);
  }
}
