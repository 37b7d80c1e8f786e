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
