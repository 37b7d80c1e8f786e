/**
 * The Authsignal routes find what to submit from the steps' declared `offers`, never from step
 * types: the built-in steps declare theirs, and a custom step declaring the same is driven alike.
 */
import { describe, expect, it } from 'vitest';
import { StepRegistry } from '../../engine/steps/registry.js';
import type { StepOffers } from '../../engine/sdk.js';
import {
  codeSending,
  offeredMethods,
  offersOf,
  sentCodeVerifyOption,
  totpEnrolment,
  totpVerifyOption,
} from '../../integrations/authsignal/offers.js';
import { methodOf, verificationMethodOf } from '../../integrations/authsignal/common.js';
import { builtInSteps } from '../../steps/index.js';

const registry = new StepRegistry().register(...builtInSteps);
const waiting = (type: string, ...options: string[]) => ({ type, options: options.map((id) => ({ id })) });

describe('step offers, in Authsignal words', () => {
  it('a challenge before any code: what it offers now, in Authsignal order; no code to verify yet', () => {
    const step = waiting('challenge', 'enroll-totp', 'send-email', 'send-sms');
    const offers = offersOf(registry, step);
    expect(offeredMethods(offers, step)).toEqual(['AUTHENTICATOR_APP', 'SMS', 'EMAIL_OTP']);
    expect(totpEnrolment(offers, step)).toEqual({ option: 'enroll-totp' });
    expect(totpVerifyOption(offers, step)).toBeNull();
    expect(codeSending(offers, step, 'whatsapp')).toBeNull();
    expect(sentCodeVerifyOption(offers, step)).toBeNull();
  });

  it('a challenge with a code pending: the one option checks it; the methods stay what can be sent', () => {
    const step = waiting('challenge', 'verify-code', 'send-sms');
    const offers = offersOf(registry, step);
    expect(sentCodeVerifyOption(offers, step)).toBe('verify-code');
    expect(offeredMethods(offers, step)).toEqual(['SMS']);
  });

  it('steps that act on entry: enrolled or sent already, nothing to submit to start', () => {
    const register = waiting('totp.register', 'confirm');
    expect(totpEnrolment(offersOf(registry, register), register)).toEqual({ option: undefined });
    expect(totpVerifyOption(offersOf(registry, register), register)).toBe('confirm');

    const sms = waiting('sms.otp', 'verify', 'resend');
    expect(codeSending(offersOf(registry, sms), sms, 'whatsapp')).toEqual({ option: undefined });
    expect(codeSending(offersOf(registry, sms), sms, 'email')).toBeNull();
    expect(offeredMethods(offersOf(registry, sms), sms)).toEqual(['SMS', 'WHATSAPP']);
    expect(totpVerifyOption(offersOf(registry, sms), sms)).toBeNull();
  });

  it('a custom step is driven by what it declares; a step declaring nothing offers nothing', () => {
    const offers: StepOffers = { verify: [{ method: 'totp', option: 'check' }] };
    const catalogue = { get: (type: string) => (type === 'acme.token' ? { offers } : undefined) };
    const custom = waiting('acme.token', 'check');
    expect(totpVerifyOption(offersOf(catalogue, custom), custom)).toBe('check');
    expect(offeredMethods(offersOf(catalogue, custom), custom)).toEqual(['AUTHENTICATOR_APP']);

    const form = waiting('form', 'verify');
    expect(offersOf(registry, form)).toEqual({});
    expect(totpVerifyOption(offersOf(registry, form), form)).toBeNull();
  });
});

describe('what a session proved and what a user holds, by the SDK conventions', () => {
  const token = (type: string, claims: Record<string, string>) => ({ type, issuedAt: '2026-01-01T00:00:00Z', claims });

  it("validateChallenge's method is the last token's method claim, whatever the token's type", () => {
    expect(verificationMethodOf([token('otp', { channel: 'whatsapp', method: 'whatsapp' }), token('password', { userId: 'u' })])).toBe('WHATSAPP');
    expect(verificationMethodOf([token('acme.proof', { method: 'recovery_code' })])).toBe('RECOVERY_CODE');
    expect(verificationMethodOf([token('password', { userId: 'u' })])).toBeNull();
  });

  it("an authenticator's method is the channel it was verified on, else its type; passwords have none", () => {
    const authenticator = (type: string, params: Record<string, string>) =>
      ({ id: 'a', userId: 'u', type, sealedSecret: null, params, confirmedAt: null, createdAt: '', lastUsedAt: null, lastTimeStep: null }) as Parameters<typeof methodOf>[0];
    expect(methodOf(authenticator('sms', { channel: 'whatsapp' }))).toBe('WHATSAPP');
    expect(methodOf(authenticator('sms', {}))).toBe('SMS');
    expect(methodOf(authenticator('totp', { algorithm: 'SHA1' }))).toBe('AUTHENTICATOR_APP');
    expect(methodOf(authenticator('password', {}))).toBeNull();
  });
});
