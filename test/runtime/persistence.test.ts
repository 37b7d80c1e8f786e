/**
 * Sessions persist between round trips: on the version they started with, across engine
 * instances on one database file, bounded by the busy-loop guard, and claimed with an atomic
 * compare-and-set so that concurrent submits cannot both win.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAjv } from '../../engine/journey/schema-validator.js';
import { compileConfigTemplate } from '../../engine/runtime/expressions.js';
import { initialContext, type SessionContext } from '../../engine/runtime/session-context.js';
import { MAX_STEPS_WITHOUT_CLIENT, executeStep, type CompiledStep, type ExecutorDeps } from '../../engine/runtime/step-executor.js';
import { defineStep } from '../../engine/steps/define-step.js';
import type { StepDefinition } from '../../engine/steps/step-types.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { SessionRecord, Store } from '../../engine/store/store.js';
import { APP_KEY, TestClock, startSession, startTestServer, submit, tempDataDir, type TestServer } from '../helpers/test-server.js';

function waitThenComplete(id: string, stepId: string, claims: Record<string, unknown>) {
  return {
    id,
    start: stepId,
    settings: { public: true },
    steps: {
      [stepId]: { type: 'form', config: { outputVariable: 'answer', options: [{ id: 'go', label: 'Go' }] }, branches: { go: 'done' } },
      done: { type: 'complete', config: { claims } },
    },
  };
}

describe('a running session stays on its version', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close({ remove: true }));

  it('finishes on version 1 after version 2 is published (and after the journey is deleted)', async () => {
    expect(await server.publish(waitThenComplete('versioned', 'ask', { generation: 'one' }))).toBe(1);
    const onV1 = await startSession(server, 'versioned');
    expect(onV1.body).toMatchObject({ status: 'waiting', journeyVersion: 1, step: { id: 'ask' } });

    // Version 2 renames the waiting step and changes the claims: a v1 snapshot cannot run on it.
    expect(await server.publish(waitThenComplete('versioned', 'prompt', { generation: 'two' }))).toBe(2);
    const onV2 = await startSession(server, 'versioned');
    expect(onV2.body).toMatchObject({ status: 'waiting', journeyVersion: 2, step: { id: 'prompt' } });

    const readV1 = await server.request('GET', `/v1/sessions/${onV1.body.sessionId}`, { token: onV1.body.sessionToken });
    expect(readV1.body).toMatchObject({ status: 'waiting', journeyVersion: 1, step: { id: 'ask' } });

    const doneV1 = await submit(server, onV1.body, 'ask', 'go');
    expect(doneV1.status).toBe(200);
    expect(doneV1.body).toMatchObject({ status: 'completed', journeyVersion: 1 });
    expect(doneV1.body.result.claims).toEqual({ generation: 'one' });
    const validated = await server.request('POST', '/v1/tokens/validate', { body: { token: doneV1.body.result.token }, token: APP_KEY });
    expect(validated.body).toMatchObject({ valid: true, journeyVersion: 1, sessionId: onV1.body.sessionId, claims: { generation: 'one' } });

    const onV2b = await startSession(server, 'versioned');
    expect((await server.admin('DELETE', '/v1/admin/journeys/versioned')).status).toBe(204);
    const doneV2 = await submit(server, onV2.body, 'prompt', 'go');
    expect(doneV2.body).toMatchObject({ status: 'completed', journeyVersion: 2, result: { claims: { generation: 'two' } } });
    const doneV2b = await submit(server, onV2b.body, 'prompt', 'go');
    expect(doneV2b.body).toMatchObject({ status: 'completed', journeyVersion: 2 });
  });
});

describe('a session persisted by an earlier engine', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close({ remove: true }));

  it('restores a snapshot in the nested, actor-era shape and runs to the end', async () => {
    // Before the machine was flat, a waiting session was stored as { ask: 'waiting' } with the
    // fields of xstate's actor snapshot beside it. Sessions stored that way must still finish.
    await server.publish(waitThenComplete('older', 'ask', { generation: 'nested' }));
    const started = await startSession(server, 'older');
    const store = server.engine.store;
    const record = (await store.sessions.get(started.body.sessionId))!;
    const context = (record.snapshot as { context: SessionContext }).context;
    const legacy = { status: 'active', value: { ask: 'waiting' }, historyValue: {}, context, children: {} };
    const claimed = (await store.sessions.claim(record.id, record.revision, new Date(Date.now() + 60_000).toISOString(), new Date().toISOString()))!;
    expect(await store.sessions.save(record.id, claimed, { status: 'waiting', stepId: 'ask', userId: null, snapshot: legacy, updatedAt: new Date().toISOString() })).toBe(true);

    const read = await server.request('GET', `/v1/sessions/${record.id}`, { token: started.body.sessionToken });
    expect(read.body).toMatchObject({ status: 'waiting', step: { id: 'ask' } });
    const done = await submit(server, started.body, 'ask', 'go');
    expect(done.body).toMatchObject({ status: 'completed', result: { claims: { generation: 'nested' } } });
    const timeline = await store.timelines.list(record.id);
    expect(timeline.map((e) => `${e.stepId}:${e.event}`)).toEqual(['ask:entered', 'ask:submitted', 'ask:branch', 'done:entered', 'done:ended']);
  });
});

describe('a session continues on a new engine instance opening the same database', () => {
  const dataDir = tempDataDir();
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('resumes the waiting session, and tokens from either instance validate on the second', async () => {
    const first = await startTestServer({ dataDir });
    let waiting: { sessionId: string; sessionToken: string };
    let firstToken: string;
    let firstKids: string[];
    try {
      await first.publish({
        id: 'restart',
        start: 'ask',
        settings: { public: true },
        steps: {
          ask: {
            type: 'form',
            config: { outputVariable: 'answer', options: [{ id: 'go', schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } }] },
            branches: { go: 'done' },
          },
          done: { type: 'complete', config: { claims: { name: '{% answer.name %}', started: '{% $input.tag %}' } } },
        },
      });
      const started = await startSession(first, 'restart', { input: { tag: 'from-first' } });
      expect(started.body.status).toBe('waiting');
      waiting = started.body;

      const other = await startSession(first, 'restart', { input: { tag: 'other' } });
      const otherDone = await submit(first, other.body, 'ask', 'go', { name: 'early' });
      expect(otherDone.body.status).toBe('completed');
      firstToken = otherDone.body.result.token;
      firstKids = (await first.request('GET', '/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid);
    } finally {
      await first.close();
    }

    const second = await startTestServer({ dataDir });
    try {
      const read = await second.request('GET', `/v1/sessions/${waiting.sessionId}`, { token: waiting.sessionToken });
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ status: 'waiting', step: { id: 'ask' }, journeyVersion: 1 });

      const done = await submit(second, waiting, 'ask', 'go', { name: 'later' });
      expect(done.status).toBe(200);
      expect(done.body.status).toBe('completed');
      expect(done.body.result.claims).toEqual({ name: 'later', started: 'from-first' });

      const validated = await second.request('POST', '/v1/tokens/validate', { body: { token: done.body.result.token }, token: APP_KEY });
      expect(validated.body).toMatchObject({ valid: true, sessionId: waiting.sessionId, journeyId: 'restart', claims: { name: 'later' } });

      // The first instance's signing key is the second's: its token validates too.
      const early = await second.request('POST', '/v1/tokens/validate', { body: { token: firstToken }, token: APP_KEY });
      expect(early.body).toMatchObject({ valid: true, claims: { name: 'early' } });
      const secondKids = (await second.request('GET', '/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid);
      expect(secondKids).toEqual(firstKids);

      // The session ended on the second instance: it stays ended.
      const again = await submit(second, waiting, 'ask', 'go', { name: 'again' });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('session_ended');
    } finally {
      await second.close();
    }
  });
});

const selfLoopStep = defineStep({
  type: 'test.spin',
  title: 'Spin',
  category: 'logic',
  description: 'Non-interactive; always takes "again".',
  interactive: false,
  branches: ['again', 'out'],
  configSchema: { type: 'object', additionalProperties: false, properties: {} } as const,
  run(ctx) {
    return ctx.branch('again');
  },
});

/** Declares that it may wait (so validation accepts a loop through it) but never asks. */
const restlessStep = defineStep({
  type: 'test.restless',
  title: 'Restless',
  category: 'logic',
  description: 'Interactive on paper; always takes "again" without asking.',
  interactive: true,
  branches: ['again', 'out'],
  configSchema: { type: 'object', additionalProperties: false, properties: {} } as const,
  run(ctx) {
    return ctx.branch('again');
  },
});

function chain(id: string, length: number) {
  const steps: Record<string, unknown> = {};
  for (let i = 0; i < length; i++) {
    steps[`s${i}`] = { type: 'set-variables', config: { assign: { n: i } }, branches: { next: i + 1 < length ? `s${i + 1}` : 'done' } };
  }
  steps.done = { type: 'complete', config: { claims: { n: '{% n %}' } } };
  return { id, start: 's0', settings: { public: true }, steps };
}

describe('the busy-loop guard', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ steps: [selfLoopStep, restlessStep] });
  });
  afterAll(() => server.close({ remove: true }));

  it('refuses a non-interactive step looping to itself at validation (busy_loop) and publishing', async () => {
    const journey = {
      id: 'spin',
      start: 'spin',
      steps: {
        spin: { type: 'test.spin', config: {}, branches: { again: 'spin', out: 'done' } },
        done: { type: 'complete', config: { claims: {} } },
      },
    };
    const saved = await server.admin('PUT', '/v1/admin/journeys/spin', journey);
    expect(saved.status).toBe(200);
    expect(saved.body.valid).toBe(false);
    expect(saved.body.diagnostics).toContainEqual(expect.objectContaining({ severity: 'error', code: 'busy_loop', stepId: 'spin' }));
    const published = await server.admin('POST', '/v1/admin/journeys/spin/publish');
    expect(published.status).toBe(422);
    expect(published.body.error.code).toBe('validation_failed');
  });

  it('stops a loop that passes validation at run time with step_limit_exceeded', async () => {
    const journey = {
      id: 'restless',
      start: 'loop',
      settings: { public: true },
      steps: {
        loop: { type: 'test.restless', config: {}, branches: { again: 'loop', out: 'done' } },
        done: { type: 'complete', config: { claims: {} } },
      },
    };
    const saved = await server.admin('PUT', '/v1/admin/journeys/restless', journey);
    expect(saved.body.valid).toBe(true);
    await server.publish(journey);
    const res = await startSession(server, 'restless');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('failed');
    expect(res.body.error).toEqual({ code: 'step_limit_exceeded', message: expect.any(String) });
  });

  it(`runs a chain of ${MAX_STEPS_WITHOUT_CLIENT} steps and ends a longer one failed (step_limit_exceeded)`, async () => {
    // MAX - 1 set-variables + complete = MAX steps without the client: allowed.
    await server.publish(chain('chain-ok', MAX_STEPS_WITHOUT_CLIENT - 1));
    const ok = await startSession(server, 'chain-ok');
    expect(ok.body.status).toBe('completed');
    expect(ok.body.result.claims).toEqual({ n: MAX_STEPS_WITHOUT_CLIENT - 2 });

    await server.publish(chain('chain-long', MAX_STEPS_WITHOUT_CLIENT));
    const long = await startSession(server, 'chain-long');
    expect(long.body.status).toBe('failed');
    expect(long.body.error.code).toBe('step_limit_exceeded');
  });
});

describe('executeStep: the runtime step limit', () => {
  let ran = 0;
  const definition = defineStep({
    type: 'test.count',
    title: 'Count',
    category: 'logic',
    description: 'Counts its runs.',
    interactive: false,
    branches: ['next'],
    configSchema: { type: 'object', additionalProperties: false, properties: {} } as const,
    run(ctx) {
      ran++;
      return ctx.branch('next');
    },
  });
  const clock = new TestClock();
  const step: CompiledStep = {
    id: 'count',
    type: 'test.count',
    name: 'count',
    definition: definition as StepDefinition,
    template: compileConfigTemplate({}),
    checkConfig: createAjv({ useDefaults: true }).compile({ type: 'object' }),
    errorOutputVariable: null,
    staticConfig: null,
    erase: null,
    callerKeys: new Set(),
    onFailure: 'branch',
  };
  // Cast: the executor's dependencies grow with the engine; this step needs none of the others.
  const deps = {
    services: {} as ExecutorDeps['services'],
    now: clock.now,
    issueToken: async () => 'unused',
    onUnexpectedError: () => {},
    sealStepData: () => {
      throw new Error('not used by this step');
    },
    unsealStepData: () => {
      throw new Error('not used by this step');
    },
  } as ExecutorDeps;
  const context = (stepsSinceWait: number): SessionContext => ({
    ...initialContext({
      sessionId: 'session-1',
      journeyId: 'j',
      journeyVersion: 1,
      testRun: false,
      startedAt: clock.now().toISOString(),
      input: {},
      ui: null,
    }),
    stepsSinceWait,
  });

  beforeEach(() => {
    ran = 0;
  });

  it('aborts with step_limit_exceeded, without running the step, at the limit', async () => {
    const run = await executeStep(step, context(MAX_STEPS_WITHOUT_CLIENT), deps);
    expect(run.kind).toBe('abort');
    expect(run).toMatchObject({ stepId: 'count', error: { code: 'step_limit_exceeded' }, at: clock.now().toISOString() });
    expect(ran).toBe(0);
  });

  it('runs the step just below the limit', async () => {
    const run = await executeStep(step, context(MAX_STEPS_WITHOUT_CLIENT - 1), deps);
    expect(run).toMatchObject({ kind: 'branch', branch: 'next' });
    expect(ran).toBe(1);
  });
});

describe('SQLite session store: claim is an atomic compare-and-set', () => {
  let dir: string;
  let stores: Store[];
  const t0 = Date.parse('2026-01-15T10:00:00Z');
  const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();

  const record = (id: string): SessionRecord => ({
    id,
    journeyId: 'j',
    journeyVersion: 1,
    documentHash: 'hash',
    status: 'waiting',
    stepId: 'ask',
    userId: null,
    snapshot: { context: {} },
    revision: 0,
    tokenHash: 'token-hash',
    testRun: false,
    createdAt: at(0),
    updatedAt: at(0),
    expiresAt: at(900),
    leaseUntil: null,
  });

  beforeEach(() => {
    dir = tempDataDir();
    const file = join(dir, 'journeys.db');
    // Three connections to one file, as three processes would have.
    stores = [openSqliteStore(file), openSqliteStore(file), openSqliteStore(file)];
  });
  afterEach(async () => {
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets exactly one of N claims with the same revision succeed', async () => {
    await stores[0].sessions.create(record('s1'));
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) => stores[i % stores.length].sessions.claim('s1', 0, at(60), at(0))),
    );
    const won = claims.filter((c) => c !== null);
    expect(won).toEqual([1]);
    const stored = await stores[1].sessions.get('s1');
    expect(stored).toMatchObject({ revision: 1, leaseUntil: at(60) });
  });

  it('refuses a claim with a stale revision or while the lease is live, and lets an expired lease be taken over', async () => {
    await stores[0].sessions.create(record('s2'));
    const first = await stores[0].sessions.claim('s2', 0, at(60), at(0));
    expect(first).toBe(1);

    expect(await stores[1].sessions.claim('s2', 0, at(90), at(30))).toBeNull(); // stale revision
    expect(await stores[1].sessions.claim('s2', 1, at(90), at(30))).toBeNull(); // live lease
    expect(await stores[1].sessions.claim('s2', 1, at(120), at(61))).toBe(2); // lease expired: taken over

    const update = { status: 'completed' as const, stepId: null, userId: null, snapshot: { context: { done: true } }, updatedAt: at(62) };
    // The first claimant lost its claim: its save is refused.
    expect(await stores[0].sessions.save('s2', 1, update)).toBe(false);
    expect(await stores[1].sessions.save('s2', 2, update)).toBe(true);
    const stored = await stores[2].sessions.get('s2');
    expect(stored).toMatchObject({ status: 'completed', revision: 3, leaseUntil: null, snapshot: { context: { done: true } } });
  });

  it('gives a claim back with release (revision bumped, lease cleared)', async () => {
    await stores[0].sessions.create(record('s3'));
    const claimed = await stores[0].sessions.claim('s3', 0, at(60), at(0));
    await stores[0].sessions.release('s3', claimed!);
    const stored = await stores[1].sessions.get('s3');
    expect(stored).toMatchObject({ revision: 2, leaseUntil: null, status: 'waiting' });
    expect(await stores[1].sessions.claim('s3', 2, at(70), at(10))).toBe(3);
  });
});

describe('concurrent submits to one session over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.publish(waitThenComplete('race', 'ask', { ok: true }));
  });
  afterAll(() => server.close({ remove: true }));

  it('get exactly one success; the others are refused with 409', async () => {
    const started = await startSession(server, 'race');
    const results = await Promise.all(Array.from({ length: 8 }, () => submit(server, started.body, 'ask', 'go')));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0].body.status).toBe('completed');
    for (const refused of results.filter((r) => r.status !== 200)) {
      expect(refused.status).toBe(409);
      expect(['conflict', 'stale_step', 'session_ended']).toContain(refused.body.error.code);
    }
    const validated = await server.request('POST', '/v1/tokens/validate', { body: { token: ok[0].body.result.token }, token: APP_KEY });
    expect(validated.body.valid).toBe(true);
  });
});
