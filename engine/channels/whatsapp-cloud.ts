import { DeliveryError, fetchWithDeadline, type MessageProvider } from './channel.js';

export interface WhatsAppOptions {
  apiUrl: string;
  phoneNumberId: string;
  token: string;
  timeoutMs: number;
}

/** WhatsApp through the Cloud API's messages endpoint (bearer token, JSON). */
export function whatsappCloudProvider(options: WhatsAppOptions): MessageProvider {
  const url = `${options.apiUrl.replace(/\/$/, '')}/${encodeURIComponent(options.phoneNumberId)}/messages`;
  return {
    name: 'whatsapp-cloud',
    channel: 'whatsapp',
    async send(message) {
      const response = await fetchWithDeadline(
        'whatsapp-cloud',
        url,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            messaging_product: 'whatsapp',
            recipient_type: 'individual',
            // The Cloud API takes the number without its leading "+".
            to: message.to.replace(/^\+/, ''),
            type: 'text',
            text: { preview_url: false, body: message.body },
          }),
        },
        options.timeoutMs,
      );
      const body = (await response.json().catch(() => ({}))) as { messages?: Array<{ id?: string }> };
      if (!response.ok) throw new DeliveryError('whatsapp-cloud', 'rejected', `whatsapp answered ${response.status}`);
      return { providerMessageId: body.messages?.[0]?.id ?? null };
    },
  };
}
