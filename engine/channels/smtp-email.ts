import nodemailer from 'nodemailer';
import { DeliveryError, type MessageProvider } from './channel.js';

/** Email over SMTP (nodemailer): SMTP_URL such as smtp://user:pass@host:587 or smtps://…:465. */
export function smtpEmailProvider(options: { smtpUrl: string; from: string; timeoutMs: number }): MessageProvider {
  // One options object: a second argument to createTransport would be per-message defaults, not timeouts.
  const transport = nodemailer.createTransport({
    url: options.smtpUrl,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    name: 'smtp',
    channel: 'email',
    async send(message) {
      try {
        const info = await transport.sendMail({ from: options.from, to: message.to, subject: message.subject ?? 'Your code', text: message.body });
        return { providerMessageId: info.messageId ?? null };
      } catch (error) {
        const code = (error as { code?: string }).code;
        const reason = code === 'ETIMEDOUT' ? 'timeout' : code === 'ECONNECTION' || code === 'ESOCKET' || code === 'EDNS' ? 'unreachable' : 'rejected';
        throw new DeliveryError('smtp', reason, `smtp delivery failed (${code ?? 'error'})`);
      }
    },
  };
}
