import { DeliveryError, fetchWithDeadline, type MessageProvider } from './channel.js';

export interface TwilioOptions {
  apiUrl: string;
  accountSid: string;
  authToken: string;
  from: string;
  timeoutMs: number;
}

/** SMS through Twilio's Messages API (or any API speaking it): form-encoded, basic auth. */
export function twilioSmsProvider(options: TwilioOptions): MessageProvider {
  const url = `${options.apiUrl.replace(/\/$/, '')}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const auth = 'Basic ' + Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64');
  return {
    name: 'twilio',
    channel: 'sms',
    async send(message) {
      const response = await fetchWithDeadline(
        'twilio',
        url,
        {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({ To: message.to, From: options.from, Body: message.body }).toString(),
        },
        options.timeoutMs,
      );
      const body = (await response.json().catch(() => ({}))) as { sid?: string };
      if (!response.ok) throw new DeliveryError('twilio', 'rejected', `twilio answered ${response.status}`);
      return { providerMessageId: body.sid ?? null };
    },
  };
}
