import { defineStep } from '../../engine/sdk.js';
import { EMAIL, maskEmail } from '../otp-common/destinations.js';
import { otpConfigProperties, runOtpStep, type OtpConfig } from '../otp-common/one-time-code.js';

export const emailOtpStep = defineStep({
  type: 'email.otp',
  offers: { send: [{ channel: 'email' }], verify: [{ method: 'email', option: 'verify' }] },
  title: 'Email OTP',
  category: 'authentication',
  description: 'Sends a one-time code by email, then asks for it. The client may verify or resend.',
  interactive: true,
  writes: { auth: {} },
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
