import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sameJourney, semanticDiff } from '../../engine/journey/semantic-diff.js';
import { JOURNEY_CHANGE_KINDS, journeyDiffSchema } from '../../engine/http/contract/schemas.js';
import { Ajv2020 } from 'ajv/dist/2020.js';

/** A small journey: ask → check → done / failed, with settings, input and layout. */
function base(): Record<string, any> {
  return {
    $schema: '../engine/journey.schema.json',
    id: 'demo',
    name: 'Demo',
    start: 'ask',
    input: { type: 'object', properties: { username: { type: 'string' } } },
    settings: { public: true, sessionTtlSeconds: 900, actions: ['signIn'] },
    steps: {
      ask: { type: 'form', name: 'Ask', config: { title: 'Who?', fields: [{ name: 'username' }, { name: 'password' }] }, branches: { submit: 'check' } },
      check: { type: 'password.verify', config: { username: '{% ask.username %}' }, branches: { success: 'done', failure: 'failed' } },
      done: { type: 'complete', config: { claims: { userId: '{% $user.id %}' } } },
      failed: { type: 'reject', config: { code: 'bad', message: 'No' } },
    },
    layout: { ask: { x: 0, y: 0 }, check: { x: 200, y: 0 }, done: { x: 400, y: 0 }, failed: { x: 400, y: 200 } },
  };
}

const changed = (edit: (doc: Record<string, any>) => void) => {
  const doc = base();
  edit(doc);
  return semanticDiff(base(), doc).changes;
};

describe('semantic diff: each kind', () => {
  it('nothing changed: no changes', () => {
    expect(semanticDiff(base(), base())).toEqual({ changes: [] });
  });

  it('step_added, with its branches not reported again', () => {
    expect(
      changed((d) => {
        d.steps.audit = { type: 'log', config: { message: 'hi' }, branches: { next: 'done' } };
        d.steps.check.branches.success = 'audit';
      }),
    ).toEqual([
      { kind: 'step_added', stepId: 'audit', path: '/steps/audit' },
      { kind: 'branch_rewired', stepId: 'check', path: '/steps/check/branches/success', from: 'done', to: 'audit' },
    ]);
  });

  it('step_removed', () => {
    expect(
      changed((d) => {
        delete d.steps.failed;
        delete d.steps.check.branches.failure;
      }),
    ).toEqual([
      { kind: 'branch_removed', stepId: 'check', path: '/steps/check/branches/failure', from: 'failed' },
      { kind: 'step_removed', stepId: 'failed', path: '/steps/failed' },
    ]);
  });

  it('step_renamed is one change: the branches and the start that follow it are not reported', () => {
    expect(
      changed((d) => {
        d.steps.collect = d.steps.ask;
        delete d.steps.ask;
        d.start = 'collect';
        d.steps.verify = d.steps.check;
        delete d.steps.check;
        d.steps.collect.branches.submit = 'verify';
      }),
    ).toEqual([
      { kind: 'step_renamed', stepId: 'collect', path: '/steps/collect', from: 'ask', to: 'collect' },
      { kind: 'step_renamed', stepId: 'verify', path: '/steps/verify', from: 'check', to: 'verify' },
    ]);
  });

  it('a renamed step whose name also changed is a rename and a change of its name', () => {
    expect(
      changed((d) => {
        d.steps.final = { ...d.steps.done, name: 'Final' };
        delete d.steps.done;
        d.steps.check.branches.success = 'final';
      }),
    ).toEqual([
      { kind: 'step_renamed', stepId: 'final', path: '/steps/final', from: 'done', to: 'final' },
      { kind: 'config_changed', stepId: 'final', path: '/steps/final/name', to: 'Final' },
    ]);
  });

  it('renamed steps that point at each other (a loop) pair as renames', () => {
    const loop = (a: string, b: string) => ({
      id: 'loop',
      start: a,
      steps: {
        [a]: { type: 'form', config: { title: 'A' }, branches: { next: b } },
        [b]: { type: 'form', config: { title: 'B' }, branches: { back: a, self: b } },
      },
    });
    expect(semanticDiff(loop('one', 'two'), loop('first', 'second')).changes).toEqual([
      { kind: 'step_renamed', stepId: 'first', path: '/steps/first', from: 'one', to: 'first' },
      { kind: 'step_renamed', stepId: 'second', path: '/steps/second', from: 'two', to: 'second' },
    ]);
  });

  it('a long chain of renamed steps with identical configs pairs every step with its counterpart', () => {
    const chain = (prefix: string) => {
      const id = (i: number) => `${prefix}${String(i).padStart(3, '0')}`;
      const steps: Record<string, unknown> = {};
      for (let i = 0; i < 200; i++) steps[id(i)] = { type: 'form', config: { title: 'same' }, branches: i + 1 < 200 ? { next: id(i + 1) } : {} };
      return { id: 'chain', start: id(0), steps };
    };
    const changes = semanticDiff(chain('a'), chain('b')).changes;
    expect(changes).toHaveLength(200);
    expect(changes.every((c) => c.kind === 'step_renamed' && c.from === `a${(c.to as string).slice(1)}`)).toBe(true);
  });

  it('a step under a new id with another config is a removal and an addition, not a rename', () => {
    expect(
      changed((d) => {
        d.steps.reject = { ...d.steps.failed, config: { code: 'bad', message: 'Refused' } };
        delete d.steps.failed;
        d.steps.check.branches.failure = 'reject';
      }),
    ).toEqual([
      { kind: 'branch_rewired', stepId: 'check', path: '/steps/check/branches/failure', from: 'failed', to: 'reject' },
      { kind: 'step_removed', stepId: 'failed', path: '/steps/failed' },
      { kind: 'step_added', stepId: 'reject', path: '/steps/reject' },
    ]);
  });

  it('step_type_changed', () => {
    expect(changed((d) => (d.steps.failed.type = 'complete'))).toEqual([
      { kind: 'step_type_changed', stepId: 'failed', path: '/steps/failed/type', from: 'reject', to: 'complete' },
    ]);
  });

  it('config_changed: one per changed leaf, at its pointer', () => {
    expect(
      changed((d) => {
        d.steps.ask.config.title = 'Sign in';
        d.steps.ask.config.fields[1].name = 'secret';
        d.steps.done.config.claims.email = '{% $user.email %}';
        delete d.steps.failed.config.message;
      }),
    ).toEqual([
      { kind: 'config_changed', stepId: 'ask', path: '/steps/ask/config/fields/1/name', from: 'password', to: 'secret' },
      { kind: 'config_changed', stepId: 'ask', path: '/steps/ask/config/title', from: 'Who?', to: 'Sign in' },
      { kind: 'config_changed', stepId: 'done', path: '/steps/done/config/claims/email', to: '{% $user.email %}' },
      { kind: 'config_changed', stepId: 'failed', path: '/steps/failed/config/message', from: 'No' },
    ]);
  });

  it('config_changed: an array whose length changed is one change at the array', () => {
    expect(changed((d) => d.steps.ask.config.fields.push({ name: 'otp' }))).toEqual([
      {
        kind: 'config_changed',
        stepId: 'ask',
        path: '/steps/ask/config/fields',
        from: [{ name: 'username' }, { name: 'password' }],
        to: [{ name: 'username' }, { name: 'password' }, { name: 'otp' }],
      },
    ]);
  });

  it('config_changed: a value that changes type is one change', () => {
    expect(changed((d) => (d.steps.done.config.claims = '{% $user %}'))).toEqual([
      { kind: 'config_changed', stepId: 'done', path: '/steps/done/config/claims', from: { userId: '{% $user.id %}' }, to: '{% $user %}' },
    ]);
  });

  it("config_changed covers a step's own fields beside its config (onFailure, errorOutputVariable)", () => {
    expect(
      changed((d) => {
        d.steps.check.onFailure = 'abort';
        d.steps.check.errorOutputVariable = 'checkError';
      }),
    ).toEqual([
      { kind: 'config_changed', stepId: 'check', path: '/steps/check/errorOutputVariable', to: 'checkError' },
      { kind: 'config_changed', stepId: 'check', path: '/steps/check/onFailure', to: 'abort' },
    ]);
  });

  it('pointers escape ~ and / (RFC 6901)', () => {
    expect(changed((d) => (d.steps.done.config.claims['a/b~c'] = 'x'))).toEqual([
      { kind: 'config_changed', stepId: 'done', path: '/steps/done/config/claims/a~1b~0c', to: 'x' },
    ]);
  });

  it('branch_rewired, branch_added, branch_removed', () => {
    expect(
      changed((d) => {
        d.steps.check.branches.success = 'failed';
        d.steps.check.branches.locked = 'failed';
        delete d.steps.ask.branches.submit;
      }),
    ).toEqual([
      { kind: 'branch_removed', stepId: 'ask', path: '/steps/ask/branches/submit', from: 'check' },
      { kind: 'branch_added', stepId: 'check', path: '/steps/check/branches/locked', to: 'failed' },
      { kind: 'branch_rewired', stepId: 'check', path: '/steps/check/branches/success', from: 'done', to: 'failed' },
    ]);
  });

  it('start_changed', () => {
    expect(changed((d) => (d.start = 'check'))).toEqual([{ kind: 'start_changed', path: '/start', from: 'ask', to: 'check' }]);
  });

  it('settings_changed: settings by pointer, and the name and description', () => {
    expect(
      changed((d) => {
        d.settings.public = false;
        d.settings.actions = ['signIn', 'enroll'];
        d.name = 'Demo 2';
        d.description = 'Now described';
      }),
    ).toEqual([
      { kind: 'settings_changed', path: '/description', to: 'Now described' },
      { kind: 'settings_changed', path: '/name', from: 'Demo', to: 'Demo 2' },
      { kind: 'settings_changed', path: '/settings/actions', from: ['signIn'], to: ['signIn', 'enroll'] },
      { kind: 'settings_changed', path: '/settings/public', from: true, to: false },
    ]);
  });

  it('input_schema_changed', () => {
    expect(changed((d) => (d.input.required = ['username']))).toEqual([{ kind: 'input_schema_changed', path: '/input/required', to: ['username'] }]);
    expect(changed((d) => delete d.input)).toEqual([{ kind: 'input_schema_changed', path: '/input', from: base().input }]);
  });

  it('every kind is covered by the cases above', () => {
    const seen = new Set<string>();
    const docs = [
      (d: any) => (d.steps.x = { type: 'log' }),
      (d: any) => (delete d.steps.failed, delete d.steps.check.branches.failure),
      (d: any) => ((d.steps.final = d.steps.done), delete d.steps.done, (d.steps.check.branches.success = 'final')),
      (d: any) => (d.steps.failed.type = 'complete'),
      (d: any) => (d.steps.failed.config.code = 'x'),
      (d: any) => (d.steps.check.branches.success = 'failed'),
      (d: any) => (d.steps.done.branches = { next: 'ask' }),
      (d: any) => delete d.steps.ask.branches.submit,
      (d: any) => (d.start = 'check'),
      (d: any) => (d.settings.public = false),
      (d: any) => (d.input.type = 'array'),
    ];
    for (const edit of docs) for (const c of changed(edit)) seen.add(c.kind);
    expect([...seen].sort()).toEqual([...JOURNEY_CHANGE_KINDS].sort());
  });
});

describe('semantic diff: what is not a change', () => {
  it('layout, $schema and key order are not changes', () => {
    const moved = base();
    moved.layout = { ask: { x: 999, y: 5 } };
    moved.$schema = 'elsewhere.json';
    const reordered = reverseKeys(moved);
    expect(semanticDiff(base(), moved).changes).toEqual([]);
    expect(semanticDiff(base(), reordered).changes).toEqual([]);
    expect(sameJourney(base(), reordered)).toBe(true);
  });

  it('every sample journey against itself, key order reversed: no changes; against nothing: only additions', () => {
    const dir = new URL('../../journeys/', import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.test.json'))) {
      const doc = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
      expect(semanticDiff(doc, reverseKeys(doc)).changes, file).toEqual([]);
      const fromNothing = semanticDiff(null, doc).changes;
      expect(fromNothing.filter((c) => c.kind === 'step_added').length, file).toBe(Object.keys(doc.steps).length);
    }
  });

  it('drafts that are not journeys are compared without throwing', () => {
    expect(semanticDiff({ steps: 'nope', start: 3 }, { steps: { a: 'x' }, start: 3 }).changes).toEqual([{ kind: 'step_added', stepId: 'a', path: '/steps/a' }]);
    expect(semanticDiff(null, undefined).changes).toEqual([]);
    expect(semanticDiff([1], { steps: { a: { type: 't', branches: 'bad' } } }).changes).toEqual([{ kind: 'step_added', stepId: 'a', path: '/steps/a' }]);
  });

  it('the answer fits the contract schema', () => {
    const validate = new Ajv2020({ strict: false }).compile(journeyDiffSchema);
    const doc = base();
    doc.steps.check.branches.success = 'failed';
    doc.steps.done.config.claims.x = [1, { y: null }];
    expect(validate(semanticDiff(base(), doc))).toBe(true);
  });
});

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]));
  return value;
}
