import { defineStep } from '../../engine/steps/define-step.js';
import { otpConfigProperties, runOtpStep, type OtpConfig } from '../otp-common/one-time-code.js';

// Pragmatic address check (RFC 5322 is broader than any mailbox really used): local@domain.tld.
export const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export const emailOtpStep = defineStep({
  type: 'email.otp',
  title: 'Email OTP',
  category: 'authentication',
  description: 'Sends a one-time code by email, then asks for it. The client may verify or resend.',
  interactive: true,
  branches: ['success'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['email'],
    properties: {
      email: { type: 'string', minLength: 3, maxLength: 254, title: 'Email address' },
      channels: { type: 'array', items: { type: 'string', enum: ['email'] }, minItems: 1, uniqueItems: true, default: ['email'], title: 'Channels' },
      ...otpConfigProperties,
    },
  },
  run(ctx) {
    return runOtpStep(ctx, ctx.config as OtpConfig, () => {
      const address = ctx.config.email.trim();
      if (!EMAIL.test(address)) return { code: 'invalid_email', message: 'the email address is not valid' };
      return { address: address.toLowerCase(), masked: maskEmail(address.toLowerCase()) };
    }, 'Your verification code');
  },
});

/** "alice@example.com" → "a••••@example.com". */
export function maskEmail(address: string): string {
  const [local, domain] = address.split('@');
  return `${local[0]}${'•'.repeat(Math.max(1, local.length - 1))}@${domain}`;
}
