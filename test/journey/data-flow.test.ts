/**
 * The validator's data-flow checks (engine/journey/data-flow/): a corpus of broken journeys, each
 * with the exact code and pointer expected, and journeys that must raise no alarm (the samples,
 * loops, both branches of a condition, `$exists` tests, undeclared custom steps).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JourneyValidator, type Diagnostic } from '../../engine/journey/validate-journey.js';
import { defineStep } from '../../engine/sdk.js';
import { StepRegistry } from '../../engine/steps/registry.js';
import { builtInSteps } from '../../steps/index.js';

const undeclared = defineStep({
  type: 'test.undeclared',
  title: 'Undeclared',
  category: 'data',
  description: 'Declares nothing about its writes.',
  interactive: false,
  branches: ['next'],
  configSchema: { type: 'object' },
  run: (ctx) => ctx.branch('next', { variables: { anything: 1 } }),
});
const declared = defineStep({
  type: 'test.lookup',
  title: 'Lookup',
  category: 'integration',
  description: 'Declares a fixed variable with a closed shape.',
  interactive: false,
  branches: ['found', 'missing'],
  configSchema: { type: 'object' },
  writes: { variables: { account: { branches: ['found'], shape: { type: 'object', additionalProperties: false, properties: { plan: {}, tier: {} } } } } },
  run: (ctx) => ctx.branch('found', { variables: { account: { plan: 'free', tier: 1 } } }),
});

const validator = new JourneyValidator(new StepRegistry().register(...builtInSteps, undeclared, declared));
const DATA_FLOW = new Set(['unset_variable', 'maybe_unset_variable', 'unknown_property', 'undeclared_outputs']);
const dataFlow = (doc: unknown): Diagnostic[] => validator.validate(doc).diagnostics.filter((d) => DATA_FLOW.has(d.code));

type Doc = Record<string, any>;
const journey = (steps: Doc, extra: Doc = {}): Doc => ({ id: 'df', start: 'a', settings: { public: true }, steps, ...extra });
const done = (claims: Doc = { ok: true }) => ({ type: 'complete', config: { claims } });
const fail = (code: unknown = 'no') => ({ type: 'reject', config: { code, message: 'No' } });
const set = (assign: Doc, next: string) => ({ type: 'set-variables', config: { assign }, branches: { next } });
const cond = (expression: string, yes: string, no: string) => ({ type: 'condition', config: { expression }, branches: { true: yes, false: no } });
const loginForm = (next: string, extra: Doc = {}) => ({
  type: 'form',
  config: {
    outputVariable: 'login',
    options: [{ id: 'go', schema: { type: 'object', properties: { username: { type: 'string' }, password: { type: 'string' } } } }, { id: 'cancel' }],
  },
  branches: { go: next, ...extra },
});
const identify = (username: string, success: string, failure?: string, errorOutputVariable?: string) => ({
  type: 'user.identify',
  config: { username },
  ...(errorOutputVariable ? { errorOutputVariable } : {}),
  branches: { success, ...(failure ? { failure } : {}) },
});

/** [name, journey, expected diagnostics as [code, pointer]] */
const CORPUS: Array<[string, Doc, Array<[string, string]>]> = [
  ['a variable nothing sets', journey({ a: done({ x: '{% nothing %}' }) }), [['unset_variable', '/steps/a/config/claims/x']]],
  ['a typo in a variable name', journey({ a: set({ count: 1 }, 'b'), b: done({ x: '{% cuont + 1 %}' }) }), [['unset_variable', '/steps/b/config/claims/x']]],
  ['a variable read before the step that sets it', journey({ a: done({ x: '{% later %}' }), b: set({ later: 1 }, 'a') }), [['unset_variable', '/steps/a/config/claims/x']]],
  ['a read in a condition expression', journey({ a: cond('{% flag %}', 'b', 'c'), b: done(), c: fail() }), [['unset_variable', '/steps/a/config/expression']]],
  ['a read in a set-variables value', journey({ a: set({ y: '{% x * 2 %}' }, 'b'), b: done() }), [['unset_variable', '/steps/a/config/assign/y']]],
  ['a read in a switch case', journey({ a: { type: 'switch', config: { cases: [{ id: 'big', when: '{% amount > 10 %}' }] }, branches: { big: 'b', default: 'b' } }, b: done() }), [['unset_variable', '/steps/a/config/cases/0/when']]],
  ['a read in a risk rule', journey({ a: { type: 'risk.decision', config: { rules: [{ when: '{% score > 5 %}', outcome: 'block' }], default: 'allow' }, branches: { allow: 'b', challenge: 'b', block: 'c', review: 'c' } }, b: done(), c: fail() }), [['unset_variable', '/steps/a/config/rules/0/when']]],
  ['a read nested in a function call', journey({ a: done({ x: '{% $uppercase(name) %}' }) }), [['unset_variable', '/steps/a/config/claims/x']]],
  ['a read inside an object constructor', journey({ a: done({ x: '{% { "n": who.name } %}' }) }), [['unset_variable', '/steps/a/config/claims/x']]],
  ['a read through $$', journey({ a: done({ x: '{% $$.missing.p %}' }) }), [['unset_variable', '/steps/a/config/claims/x']]],
  ['$user in a public journey before anyone is identified', journey({ a: done({ sub: '{% $user.id %}' }) }), [['unset_variable', '/steps/a/config/claims/sub']]],
  ['$user after a failed identification', journey({ a: identify('bob', 'b', 'c'), b: done(), c: done({ u: '{% $user.username %}' }) }), [['unset_variable', '/steps/c/config/claims/u']]],
  ['an error variable read on the success path', journey({ a: identify('bob', 'b', 'c', 'err'), b: done({ e: '{% err.code %}' }), c: fail('{% err.code %}') }), [['unset_variable', '/steps/b/config/claims/e']]],
  ['an output read on a branch that does not write it', journey({ a: { type: 'passkey.register', config: { outputVariable: 'pk' }, branches: { success: 'b', skipped: 'c' } }, b: done(), c: done({ id: '{% pk.authenticatorId %}' }) }), [['unset_variable', '/steps/c/config/claims/id']]],
  ['a step with no outputVariable writes no output', journey({ a: { type: 'http.request', config: { url: 'https://api.example.com' }, branches: { success: 'b' } }, b: done({ s: '{% response.status %}' }) }), [['unset_variable', '/steps/b/config/claims/s']]],
  ['set on one branch of a condition only', journey({ a: cond('{% $input.vip %}', 'b', 'c'), b: set({ level: 'gold' }, 'c'), c: done({ l: '{% level %}' }) }), [['maybe_unset_variable', '/steps/c/config/claims/l']]],
  ['set on one form option only', journey({ a: { type: 'form', config: { outputVariable: 'f', options: [{ id: 'x' }, { id: 'y' }] }, branches: { x: 'b', y: 'c' } }, b: set({ picked: true }, 'c'), c: done({ p: '{% picked %}' }) }), [['maybe_unset_variable', '/steps/c/config/claims/p']]],
  ['set inside a loop body only, read after it', journey({ a: cond('{% $input.again %}', 'b', 'c'), b: set({ seen: true }, 'a'), c: done({ s: '{% seen %}' }) }), [['maybe_unset_variable', '/steps/c/config/claims/s']]],
  ['set after its read in a loop', journey({ a: loginForm('b'), b: done({ t: '{% tries %}' }) }, {}), [['unset_variable', '/steps/b/config/claims/t']]],
  ['read on the failure branch and on success', journey({ a: identify('bob', 'b', 'b', 'err'), b: done({ e: '{% err.message %}' }) }), [['maybe_unset_variable', '/steps/b/config/claims/e']]],
  ['$user on a path that skips identification', journey({ a: cond('{% $input.known %}', 'b', 'c'), b: identify('bob', 'c'), c: done({ u: '{% $user.username %}' }) }), [['maybe_unset_variable', '/steps/c/config/claims/u']]],
  ['$user after a passkey that may be skipped', journey({ a: { type: 'passkey.authenticate', config: {}, branches: { success: 'b', username: 'b', skipped: 'b' } }, b: done({ u: '{% $user.username %}' }) }), [['maybe_unset_variable', '/steps/b/config/claims/u']]],
  ['a typo in a form field', journey({ a: loginForm('b'), b: done({ u: '{% login.usernme %}' }) }), [['unknown_property', '/steps/b/config/claims/u']]],
  ['a field of another option', journey({ a: { type: 'form', config: { outputVariable: 'f', options: [{ id: 'go', schema: { type: 'object', properties: { code: { type: 'string' } } } }] }, branches: { go: 'b' } }, b: done({ c: '{% f.cod %}' }) }), [['unknown_property', '/steps/b/config/claims/c']]],
  ['an option without data read for a field', journey({ a: { type: 'form', config: { outputVariable: 'f', options: [{ id: 'go' }] }, branches: { go: 'b' } }, b: done({ c: '{% f.code %}' }) }), [['unknown_property', '/steps/b/config/claims/c']]],
  ['a typo in an error field', journey({ a: identify('bob', 'b', 'c', 'err'), b: done(), c: fail('{% err.cod %}') }), [['unknown_property', '/steps/c/config/code']]],
  ['a typo in a risk field', journey({ a: { type: 'risk.decision', config: { default: 'allow' }, branches: { allow: 'b', challenge: 'b', block: 'b', review: 'b' } }, b: done({ r: '{% risk.outcom %}' }) }), [['unknown_property', '/steps/b/config/claims/r']]],
  ['a typo in an http response field', journey({ a: { type: 'http.request', config: { url: 'https://api.example.com', outputVariable: 'res' }, branches: { success: 'b' } }, b: done({ s: '{% res.statu %}' }) }), [['unknown_property', '/steps/b/config/claims/s']]],
  ['a typo in a passkey output', journey({ a: { type: 'passkey.register', config: { outputVariable: 'pk' }, branches: { success: 'b', skipped: 'c' } }, b: done({ id: '{% pk.authenticatorID %}' }), c: done() }), [['unknown_property', '/steps/b/config/claims/id']]],
  ['a typo in a custom step declared shape', journey({ a: { type: 'test.lookup', config: {}, branches: { found: 'b', missing: 'c' } }, b: done({ p: '{% account.plna %}' }), c: done() }), [['unknown_property', '/steps/b/config/claims/p']]],
  ['a custom step variable on the branch that does not write it', journey({ a: { type: 'test.lookup', config: {}, branches: { found: 'b', missing: 'c' } }, b: done(), c: done({ p: '{% account.plan %}' }) }), [['unset_variable', '/steps/c/config/claims/p']]],
  ['both unset and unknown in one journey', journey({ a: loginForm('b'), b: done({ u: '{% login.name %}', v: '{% other %}' }) }), [['unknown_property', '/steps/b/config/claims/u'], ['unset_variable', '/steps/b/config/claims/v']]],
  ['an undeclared custom step', journey({ a: { type: 'test.undeclared', config: {}, branches: { next: 'b' } }, b: done({ x: '{% anything %}' }) }), [['undeclared_outputs', '/steps/a/type']]],
];

describe('data-flow corpus: each broken journey reports exactly its diagnostics', () => {
  it('holds at least 30 journeys', () => expect(CORPUS.length).toBeGreaterThanOrEqual(30));
  for (const [name, doc, expected] of CORPUS) {
    it(name, () => {
      const found = dataFlow(doc);
      expect(found.map((d) => [d.code, d.path])).toEqual(expected);
      for (const d of found) {
        expect(d.severity).toBe(({ unset_variable: 'error', maybe_unset_variable: 'warning', unknown_property: 'warning', undeclared_outputs: 'info' } as Record<string, string>)[d.code]);
        expect(d.stepId).toBe(d.path.split('/')[2]);
      }
    });
  }
});

describe('data-flow messages', () => {
  it('unknown_property suggests the closest name', () => {
    const [d] = dataFlow(journey({ a: loginForm('b'), b: done({ u: '{% login.usernme %}' }) }));
    expect(d.message).toBe('"login" has no property "usernme": did you mean "username"?');
  });
  it('maybe_unset_variable names a path that does not set it', () => {
    const [d] = dataFlow(journey({ a: cond('{% $input.vip %}', 'b', 'c'), b: set({ level: 'gold' }, 'c'), c: done({ l: '{% level %}' }) }));
    expect(d.message).toBe('variable "level" may be unset here: the path "a" (false) → "c" does not set it');
  });
  it('unset_variable suggests a variable that is set', () => {
    const [d] = dataFlow(journey({ a: set({ count: 1 }, 'b'), b: done({ x: '{% cuont %}' }) }));
    expect(d.message).toContain('did you mean "count"?');
    expect(validator.validate(journey({ a: set({ count: 1 }, 'b'), b: done({ x: '{% cuont %}' }) })).valid).toBe(false);
  });
});

describe('no false alarms', () => {
  const samplesDir = join(import.meta.dirname, '../../journeys');
  for (const file of readdirSync(samplesDir).filter((f) => f.endsWith('.json'))) {
    it(`sample ${file}`, () => {
      expect(dataFlow(JSON.parse(readFileSync(join(samplesDir, file), 'utf8')))).toEqual([]);
    });
  }
  it('a variable set on every path through a loop', () => {
    const doc = journey({
      a: set({ tries: 0 }, 'b'),
      b: loginForm('c'),
      c: set({ tries: '{% tries + 1 %}' }, 'd'),
      d: cond('{% tries < 3 and login.username != "" %}', 'b', 'e'),
      e: done({ t: '{% tries %}', u: '{% login.username %}' }),
    });
    expect(dataFlow(doc)).toEqual([]);
  });
  it('a variable set on both branches of a condition', () => {
    const doc = journey({ a: cond('{% $input.vip %}', 'b', 'c'), b: set({ level: 'gold' }, 'd'), c: set({ level: 'basic' }, 'd'), d: done({ l: '{% level %}' }) });
    expect(dataFlow(doc)).toEqual([]);
  });
  it('reads inside $exists, of $input, of built-in bindings and inside predicates are not reported', () => {
    const doc = journey({
      a: cond('{% $exists(maybe) and $exists(maybe.deep) %}', 'b', 'c'),
      b: done({ m: '{% maybe.deep %}', i: '{% $input.anything %}', t: "{% $userTokens()[type = 'otp'].claims.channel %}", n: '{% $now() & $string($millis()) %}', a: '{% $auth.amr %}' }),
      c: done({ l: '{% $map([1, 2], function($v) { $v + 1 }) %}', local: '{% ($q := 1; $q + 1) %}' }),
    });
    expect(dataFlow(doc)).toEqual([]);
  });
  it('a condition testing $exists($auth.userId) puts a user in context on its true branch', () => {
    const doc = journey({ a: cond('{% $exists($auth.userId) %}', 'b', 'c'), b: done({ u: '{% $user.username %}' }), c: fail() });
    expect(dataFlow(doc)).toEqual([]);
  });
  it('a journey that is not public has the user its trusted caller named', () => {
    const doc = journey({ a: done({ u: '{% $user.id %}' }) }, { settings: { public: false } });
    expect(dataFlow(doc)).toEqual([]);
  });
  it('an undeclared step is assumed to write anything, and an open shape any property', () => {
    const doc = journey({
      a: { type: 'test.undeclared', config: {}, branches: { next: 'b' } },
      b: { type: 'form', config: { outputVariable: 'f', options: [{ id: 'go', schema: { type: 'object', additionalProperties: true, properties: {} } }] }, branches: { go: 'c' } },
      c: done({ x: '{% whatever.deep %}', y: '{% f.extra %}' }),
    });
    expect(dataFlow(doc).map((d) => d.code)).toEqual(['undeclared_outputs']);
  });
  it('an unreachable step is not checked (unreachable_step says enough)', () => {
    expect(dataFlow(journey({ a: done(), z: done({ x: '{% nothing %}' }) }))).toEqual([]);
  });
});

describe('declarations', () => {
  it('every built-in step type declares what it writes', () => {
    expect(builtInSteps.filter((step) => !step.writes).map((step) => step.type)).toEqual([]);
  });
});
