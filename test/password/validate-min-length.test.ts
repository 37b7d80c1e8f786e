/**
 * The journey validator's rule for password.set's minLength (NIST SP 800-63B rev 4): below 15 only
 * in a journey that also proves a second factor.
 */
import { describe, expect, it } from 'vitest';
import { JourneyValidator } from '../../engine/journey/validate-journey.js';
import { StepRegistry } from '../../engine/steps/registry.js';
import { builtInSteps } from '../../steps/index.js';

const validator = new JourneyValidator(new StepRegistry().register(...builtInSteps));
type Doc = Record<string, any>;

function journey(setConfig: Doc, extraSteps: Doc = {}, next = 'done'): Doc {
  return {
    id: 'pw-journey',
    start: 'who',
    steps: {
      who: { type: 'user.identify', config: { username: '{% $input.username %}', mode: 'create' }, branches: { success: Object.keys(extraSteps)[0] ?? 'set' } },
      ...extraSteps,
      set: { type: 'password.set', config: setConfig, branches: { success: next } },
      done: { type: 'complete' },
    },
  };
}

const minLengthErrors = (doc: Doc) =>
  validator.validate(doc).diagnostics.filter((d) => d.severity === 'error' && d.path === '/steps/set/config/minLength');

describe('password.set minLength in the validator', () => {
  it('accepts the default (15) and anything from 15 to 64 without a second factor', () => {
    expect(validator.validate(journey({}))).toEqual({ valid: true, diagnostics: [] });
    expect(minLengthErrors(journey({ minLength: 15 }))).toEqual([]);
    expect(minLengthErrors(journey({ minLength: 64 }))).toEqual([]);
  });

  it('refuses 8 to 14 (and an expression) in a journey without a step that proves a second factor', () => {
    for (const minLength of [8, 12, 14, '{% $input.minLength %}']) {
      const result = validator.validate(journey({ minLength }));
      expect(result.valid, String(minLength)).toBe(false);
      expect(minLengthErrors(journey({ minLength }))).toEqual([
        expect.objectContaining({ code: 'invalid_config', stepId: 'set', message: expect.stringMatching(/second factor.*totp\.authenticate/) }),
      ]);
    }
  });

  it('accepts 8 to 14 when the journey also proves a second factor (TOTP, SMS or email code, challenge)', () => {
    const secondFactors: Doc[] = [
      { type: 'totp.authenticate', branches: { success: 'set' } },
      { type: 'totp.register', config: { issuer: 'Test' }, branches: { success: 'set' } },
      { type: 'sms.otp', config: { phoneNumber: '+15555550100' }, branches: { success: 'set' } },
      { type: 'email.otp', config: { email: 'a@example.com' }, branches: { success: 'set' } },
    ];
    for (const step of secondFactors) {
      const result = validator.validate(journey({ minLength: 8 }, { factor: step }));
      expect(result.valid, `${step.type}: ${JSON.stringify(result.diagnostics)}`).toBe(true);
    }
  });

  it('still refuses below 8 and above 64 by the config schema', () => {
    expect(validator.validate(journey({ minLength: 7 }, { factor: { type: 'totp.authenticate', branches: { success: 'set' } } })).valid).toBe(false);
    expect(validator.validate(journey({ minLength: 65 })).valid).toBe(false);
  });
});
