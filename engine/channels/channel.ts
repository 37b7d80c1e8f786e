/**
 * Message delivery: one provider per channel (SMS, WhatsApp, email). A provider for another
 * vendor implements `MessageProvider`; the engine picks the configured one, or the dev outbox.
 */
export type ChannelName = 'sms' | 'whatsapp' | 'email';

export interface OutgoingMessage {
  channel: ChannelName;
  /** E.164 phone number for sms/whatsapp, an address for email. */
  to: string;
  body: string;
  subject?: string;
  sessionId: string | null;
}

/** Why a provider did not deliver: the runtime falls back to the next channel on any of them. */
export class DeliveryError extends Error {
  constructor(
    readonly provider: string,
    readonly reason: 'rejected' | 'timeout' | 'unreachable',
    message: string,
  ) {
    super(message);
  }
}

export interface MessageProvider {
  /** For logs and metrics, e.g. "twilio". */
  readonly name: string;
  readonly channel: ChannelName;
  /** Resolves when the provider accepted the message; throws DeliveryError otherwise. */
  send(message: OutgoingMessage): Promise<{ providerMessageId: string | null }>;
}

/**
 * A channel with no provider in an installation that configured others: it never delivers, so
 * a fallback to it fails over honestly instead of silently filing the code in the dev outbox.
 */
export function unconfiguredProvider(channel: ChannelName): MessageProvider {
  return {
    name: 'unconfigured',
    channel,
    async send() {
      throw new DeliveryError('unconfigured', 'unreachable', `no provider is configured for ${channel}`);
    },
  };
}

/** Calls `fetch` with a deadline, mapping network failures and timeouts to DeliveryError. */
export async function fetchWithDeadline(provider: string, url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new DeliveryError(provider, 'timeout', `${provider} did not answer within ${timeoutMs} ms`);
    throw new DeliveryError(provider, 'unreachable', `${provider} could not be reached`);
  }
}
