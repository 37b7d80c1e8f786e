import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { defineStep } from '../../engine/sdk.js';
import { maskPhone } from '../otp-common/destinations.js';
import { otpConfigProperties, runOtpStep, type OtpConfig } from '../otp-common/one-time-code.js';

export const smsOtpStep = defineStep({
  type: 'sms.otp',
  // Sends on entry, by SMS or WhatsApp (whichever delivers first); `verify` takes the code either way.
  offers: {
    send: [{ channel: 'sms' }, { channel: 'whatsapp' }],
    verify: [{ method: 'sms', option: 'verify' }, { method: 'whatsapp', option: 'verify' }],
  },
  title: 'SMS OTP',
  category: 'authentication',
  description:
    'Sends a one-time code by SMS, falling back to WhatsApp (channels in order) when a provider fails, then asks for it. The client may verify or resend (optionally choosing a channel).',
  interactive: true,
  writes: { auth: {} },
  branches: ['success'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['phoneNumber'],
    properties: {
      phoneNumber: { type: 'string', minLength: 1, maxLength: 32, title: 'Phone number (E.164)' },
      channels: {
        type: 'array',
        items: { type: 'string', enum: ['sms', 'whatsapp'] },
        minItems: 1,
        uniqueItems: true,
        default: ['sms', 'whatsapp'],
        title: 'Channels, in fallback order',
      },
      allowedCountries: {
        type: 'array',
        items: { type: 'string', pattern: '^[A-Z]{2}$' },
        minItems: 1,
        uniqueItems: true,
        title: 'Countries codes may be sent to (ISO 3166 alpha-2; default: any the server allows)',
      },
      ...otpConfigProperties,
    },
  },
  run(ctx) {
    return runOtpStep(ctx, ctx.config as OtpConfig, () => {
      // E.164 only ("+" and the country code): a national number is ambiguous.
      const parsed = /^\+[1-9]\d{6,14}$/.test(ctx.config.phoneNumber) ? parsePhoneNumberFromString(ctx.config.phoneNumber) : undefined;
      if (!parsed || !parsed.isValid()) {
        return { code: 'invalid_phone_number', message: 'the phone number is not a valid E.164 number' };
      }
      // Toll fraud pumps codes to premium numbers abroad: a journey names where its users are.
      const allowed = ctx.config.allowedCountries;
      if (allowed && !(parsed.country && allowed.includes(parsed.country))) {
        return { code: 'country_not_allowed', message: 'codes cannot be sent to this country' };
      }
      return { address: parsed.number, masked: maskPhone(parsed.number) };
    }, 'Your code');
  },
});
