/**
 * The validator's `unauthenticated_completion` (a public journey that can complete for a user only
 * identified from what the client typed) and `deprecated_create_flag` diagnostics, on small
 * journeys of the built-in steps, through the same JourneyValidator the engine and designer use.
 */
import { describe, expect, it } from 'vitest';
import { JourneyValidator, type Diagnostic } from '../../engine/journey/validate-journey.js';
import { StepRegistry } from '../../engine/steps/registry.js';
import { builtInSteps } from '../../steps/index.js';

type Doc = Record<string, any>;

const validator = new JourneyValidator(new StepRegistry().register(...builtInSteps));

const journey = (steps: Doc, settings: Doc = { public: true }): Doc => ({ id: 'auth-flow', start: 'who', settings, steps });
const diagnostics = (document: Doc, code: string): Diagnostic[] => validator.validate(document).diagnostics.filter((d) => d.code === code);
const unauthenticated = (document: Doc) => diagnostics(document, 'unauthenticated_completion');

const form = (next: string) => ({
  type: 'form',
  config: { outputVariable: 'account', options: [{ id: 'next', schema: { type: 'object', properties: { username: { type: 'string' }, code: { type: 'string' } } } }] },
  branches: { next },
});
const identify = (next: string, extra: Doc = {}, failure?: string) => ({
  type: 'user.identify',
  config: { username: '{% account.username %}', ...extra },
  branches: { success: next, ...(failure ? { failure } : {}) },
});
const totp = (success: string, failure?: string) => ({
  type: 'totp.authenticate',
  config: { code: '{% account.code %}' },
  branches: { success, ...(failure ? { failure } : {}) },
});
const complete = { type: 'complete' };
const reject = { type: 'reject', config: { code: 'no', message: 'No' } };

describe('unauthenticated_completion', () => {
  it('warns at the complete step when a typed username is identified and the session completes', () => {
    const document = journey({ who: form('find'), find: identify('done', { mode: 'find' }), done: complete });
    const found = unauthenticated(document);
    expect(found).toEqual([
      { severity: 'warning', code: 'unauthenticated_completion', message: expect.stringContaining('factor'), path: '/steps/done', stepId: 'done' },
    ]);
    // A warning: the journey stays valid (publishable).
    expect(validator.validate(document).valid).toBe(true);
  });

  it.each([
    ['without mode', {}],
    ['mode find-or-create', { mode: 'find-or-create' }],
    ['the deprecated create: true', { create: true }],
    ['the deprecated create: false', { create: false }],
    ['a mode given by an expression', { mode: '{% "create" %}' }],
  ])('identifies without establishing: %s', (_name, extra) => {
    const document = journey({ who: form('find'), find: identify('done', extra), done: complete });
    expect(unauthenticated(document).map((d) => d.stepId)).toEqual(['done']);
  });

  it('no warning when a factor is proved after identifying (totp.authenticate)', () => {
    const document = journey({ who: form('find'), find: identify('auth', { mode: 'find' }), auth: totp('done', 'no'), done: complete, no: reject });
    expect(unauthenticated(document)).toEqual([]);
  });

  it.each([
    ['password.authenticate', { type: 'password.authenticate', config: {}, branches: { success: 'done' } }],
    ['sms.otp', { type: 'sms.otp', config: { phoneNumber: '{% $user.phoneNumber %}' }, branches: { success: 'done' } }],
    ['email.otp', { type: 'email.otp', config: { email: '{% $user.email %}' }, branches: { success: 'done' } }],
    ['challenge', { type: 'challenge', config: {}, branches: { success: 'done' } }],
  ])('no warning when %s proves a factor after identifying', (_name, factor) => {
    const document = journey({ who: form('find'), find: identify('factor', { mode: 'find' }), factor, done: complete });
    expect(unauthenticated(document)).toEqual([]);
  });

  it('enrolling an app is not proof: identify then totp.register then complete warns', () => {
    const document = journey({
      who: form('find'),
      find: identify('enrol', { mode: 'find' }),
      enrol: { type: 'totp.register', config: { issuer: 'X' }, branches: { success: 'done' } },
      done: complete,
    });
    expect(unauthenticated(document).map((d) => d.stepId)).toEqual(['done']);
  });

  it('no warning when the user is created (mode create)', () => {
    const document = journey({ who: form('make'), make: identify('done', { mode: 'create' }, 'no'), done: complete, no: reject });
    expect(unauthenticated(document)).toEqual([]);
  });

  it('no warning when the journey completes with no user at all', () => {
    expect(unauthenticated(journey({ who: form('done'), done: complete }))).toEqual([]);
  });

  it('no warning in a journey that is not public', () => {
    const steps = { who: form('find'), find: identify('done', { mode: 'find' }), done: complete };
    expect(unauthenticated(journey(steps, {}))).toEqual([]);
    expect(unauthenticated(journey(steps, { public: false }))).toEqual([]);
    expect(unauthenticated({ id: 'auth-flow', start: 'who', steps })).toEqual([]);
  });

  it('a branch where one path skips the factor warns at the complete step it reaches', () => {
    const document = journey({
      who: form('find'),
      find: identify('pick', { mode: 'find' }),
      pick: { type: 'condition', config: { when: '{% account.code = "skip" %}' }, branches: { true: 'done', false: 'auth' } },
      auth: totp('proved', 'no'),
      proved: complete,
      done: complete,
      no: reject,
    });
    expect(unauthenticated(document).map((d) => d.stepId)).toEqual(['done']);
  });

  it('the failure branch of a factor step carries no proof', () => {
    const document = journey({
      who: form('find'),
      find: identify('auth', { mode: 'find' }),
      auth: totp('done', 'fallback'),
      done: complete,
      fallback: complete,
    });
    expect(unauthenticated(document).map((d) => d.stepId)).toEqual(['fallback']);
  });

  it('identifying again after a factor makes the user unproved again', () => {
    const document = journey({
      who: form('find'),
      find: identify('auth', { mode: 'find' }),
      auth: totp('again'),
      again: { type: 'user.identify', config: { userId: '{% account.username %}', mode: 'find' }, branches: { success: 'done' } },
      done: complete,
    });
    expect(unauthenticated(document).map((d) => d.stepId)).toEqual(['done']);
  });

  it('loops: a retry loop back to the form before the factor ends, and one that skips the factor is found', () => {
    // who → find → auth; auth failure → who again: every completion is proved.
    const retry = journey({ who: form('find'), find: identify('auth', { mode: 'find' }), auth: totp('done', 'who'), done: complete });
    expect(unauthenticated(retry)).toEqual([]);

    // A loop whose second pass reaches the complete step without the factor (the menu after a
    // failed code offers "continue"): found, and the analysis ends.
    const skip = journey({
      who: form('find'),
      find: identify('menu', { mode: 'find' }),
      menu: {
        type: 'form',
        config: { outputVariable: 'choice', options: [{ id: 'code' }, { id: 'continue' }] },
        branches: { code: 'auth', continue: 'gate' },
      },
      auth: totp('gate', 'menu'),
      gate: { type: 'condition', config: { when: '{% $exists($user) %}' }, branches: { true: 'done', false: 'menu' } },
      done: complete,
    });
    expect(unauthenticated(skip).map((d) => d.stepId)).toEqual(['done']);
  });

  it('a created user then a typed username: warns; a trusted path and an unproved one to one step: one warning', () => {
    const document = journey({
      who: form('pick'),
      pick: { type: 'condition', config: { when: '{% account.code = "new" %}' }, branches: { true: 'make', false: 'find' } },
      make: identify('done', { mode: 'create' }),
      find: identify('done', { mode: 'find' }),
      done: complete,
    });
    expect(unauthenticated(document)).toHaveLength(1);
    expect(unauthenticated(document)[0].stepId).toBe('done');
  });
});

describe('deprecated_create_flag', () => {
  it('warns at config/create of each user.identify that sets create (true or false), not at those using mode', () => {
    const document = journey(
      {
        who: form('a'),
        a: identify('b', { create: true }),
        b: identify('c', { create: false }),
        c: identify('done', { mode: 'find-or-create' }),
        done: complete,
      },
      {},
    );
    const found = diagnostics(document, 'deprecated_create_flag');
    expect(found.map((d) => [d.severity, d.path, d.stepId])).toEqual([
      ['warning', '/steps/a/config/create', 'a'],
      ['warning', '/steps/b/config/create', 'b'],
    ]);
    expect(found[0].message).toContain('mode');
    expect(validator.validate(document).valid).toBe(true);
  });
});
