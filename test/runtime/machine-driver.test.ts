/**
 * The driver runs a session on xstate's public actor API: from the start input, from a persisted
 * snapshot (a round trip through JSON, as the store keeps it), and it refuses a run cleanly, never
 * crashing the process, when the machine cannot go on (a stored state the journey no longer has,
 * an action that throws).
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import type { Journey } from '../../engine/journey/journey-schema.js';
import type { CompiledJourney } from '../../engine/runtime/compile-journey.js';
import { EngineError } from '../../engine/runtime/errors.js';
import { advanceSession } from '../../engine/runtime/machine-driver.js';
import type { SessionInput } from '../../engine/runtime/session-context.js';
import { defineStep } from '../../engine/steps/define-step.js';
import { builtInSteps } from '../../steps/index.js';
import { tempDataDir } from '../helpers/test-server.js';

const JOURNEY = {
  id: 'driven',
  start: 'count',
  steps: {
    count: { type: 'set-variables', config: { assign: { n: 1 } }, branches: { next: 'ask' } },
    ask: {
      type: 'form',
      config: { outputVariable: 'answer', options: [{ id: 'go', schema: { type: 'object', properties: { name: { type: 'string' } } } }] },
      branches: { go: 'done' },
    },
    done: { type: 'complete', config: { claims: { n: '{% n %}', name: '{% answer.name %}' } } },
  },
} as unknown as Journey;

const input = (sessionId: string): SessionInput => ({
  sessionId,
  journeyId: 'driven',
  journeyVersion: 1,
  testRun: false,
  startedAt: new Date().toISOString(),
  input: {},
  ui: null,
});

const submitGo = { type: 'SUBMIT', submission: { stepId: 'ask', option: 'go', data: { name: 'ada' } }, at: new Date().toISOString(), runId: 'r1' } as const;

describe('machine driver', () => {
  let engine: Engine;
  let compiled: CompiledJourney;
  beforeAll(async () => {
    const config = loadConfig({ DATA_DIR: tempDataDir(), DATABASE_URL: 'sqlite::memory:', ADMIN_API_KEY: 'driver-test-admin-key', LOG_LEVEL: 'silent' });
    engine = await createEngine(config, { steps: builtInSteps, logger: pino({ level: 'silent' }) });
    compiled = engine.runtime.compile(JOURNEY);
  });
  afterAll(() => engine.close());

  it('runs from the input to the first waiting step, then from the stored snapshot to the end', async () => {
    const first = await advanceSession(compiled, { input: input('s1') }, undefined, 5000);
    expect(first).toMatchObject({ status: 'waiting', stepId: 'ask' });
    expect(first.journal.map((e) => [e.stepId, e.event])).toContainEqual(['ask', 'entered']);

    const stored = JSON.parse(JSON.stringify(first.snapshot));
    const second = await advanceSession(compiled, { snapshot: stored }, submitGo, 5000);
    expect(second).toMatchObject({ status: 'completed', stepId: null });
    expect(second.context.result).toMatchObject({ claims: { n: 1, name: 'ada' } });
  });

  it('a stored state the journey no longer has is refused as internal', async () => {
    const first = await advanceSession(compiled, { input: input('s2') }, undefined, 5000);
    const stored = { ...(JSON.parse(JSON.stringify(first.snapshot)) as object), value: 'gone:waiting' };
    await expect(advanceSession(compiled, { snapshot: stored }, submitGo, 5000)).rejects.toMatchObject({ code: 'internal' });
  });

  it('an action that throws refuses the run as internal and reaches no unhandled-error path', async () => {
    // A step outcome no executor produces (no tokens list): the transition's action throws on it.
    const broken: CompiledJourney = {
      ...compiled,
      runStep: async (stepId) => ({ kind: 'branch', branch: 'next', stepId, at: new Date().toISOString(), durationMs: 0, variables: {} }) as never,
    };
    const refused = advanceSession(broken, { input: input('s3') }, undefined, 5000);
    await expect(refused).rejects.toBeInstanceOf(EngineError);
    await expect(refused).rejects.toMatchObject({ code: 'internal', message: 'the session could not be run' });
    // xstate reports errors nobody observes on a timer; give it the chance to (vitest fails on one).
    await new Promise((resolve) => setTimeout(resolve, 20));
  });
});

/**
 * Steps that do not wait run without a promise (step-executor.ts); these check that a run mixing
 * them with steps that wait keeps its order, that a synchronous throw fails the step like a
 * rejection does, and that a step that never answers still ends the run at its deadline.
 */
describe('machine driver: steps that wait and steps that do not', () => {
  const emptyConfig = { type: 'object', properties: {}, additionalProperties: false } as const;
  const later = defineStep({
    type: 'test.later',
    title: 'Answers later',
    category: 'logic',
    description: 'Branches after a timer.',
    interactive: false,
    branches: ['next'],
    configSchema: emptyConfig,
    async run(ctx) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return ctx.branch('next', { variables: { waited: true } });
    },
  });
  const syncThrow = defineStep({
    type: 'test.sync-throw',
    title: 'Throws at once',
    category: 'logic',
    description: 'Throws synchronously.',
    interactive: false,
    branches: ['next'],
    configSchema: emptyConfig,
    run() {
      throw new Error('internal detail');
    },
  });
  const hang = defineStep({
    type: 'test.hang',
    title: 'Never answers',
    category: 'logic',
    description: 'Its promise never settles.',
    interactive: false,
    branches: ['next'],
    configSchema: emptyConfig,
    run: () => new Promise<never>(() => {}),
  });
  const journey = (id: string, steps: Record<string, unknown>, start: string) => ({ id, start, steps }) as unknown as Journey;
  let engine: Engine;
  beforeAll(async () => {
    const config = loadConfig({ DATA_DIR: tempDataDir(), DATABASE_URL: 'sqlite::memory:', ADMIN_API_KEY: 'driver-test-admin-key', LOG_LEVEL: 'silent' });
    engine = await createEngine(config, { steps: [...builtInSteps, later, syncThrow, hang], logger: pino({ level: 'silent' }) });
  });
  afterAll(() => engine.close());

  it('runs direct, waiting and direct steps in order, each seeing the variables before it', async () => {
    const compiled = engine.runtime.compile(
      journey(
        'mixed',
        {
          a: { type: 'set-variables', config: { assign: { n: 1 } }, branches: { next: 'wait' } },
          wait: { type: 'test.later', config: {}, branches: { next: 'b' } },
          b: { type: 'set-variables', config: { assign: { m: '{% n + 1 %}', w: '{% waited %}' } }, branches: { next: 'done' } },
          done: { type: 'complete', config: { claims: { m: '{% m %}', w: '{% w %}' } } },
        },
        'a',
      ),
    );
    const run = await advanceSession(compiled, { input: { ...input('mixed-1'), journeyId: 'mixed' } }, undefined, 5000);
    expect(run.status).toBe('completed');
    expect(run.context.result?.claims).toEqual({ m: 2, w: true });
    expect(run.journal.filter((e) => e.event === 'entered').map((e) => e.stepId)).toEqual(['a', 'wait', 'b', 'done']);
  });

  it('a step whose code throws synchronously fails with step_error, without the thrown text', async () => {
    const compiled = engine.runtime.compile(journey('throws', { t: { type: 'test.sync-throw', config: {}, branches: { next: 'done' } }, done: { type: 'complete', config: {} } }, 't'));
    const run = await advanceSession(compiled, { input: { ...input('throws-1'), journeyId: 'throws' } }, undefined, 5000);
    expect(run.status).toBe('failed');
    expect(run.context.endError).toMatchObject({ code: 'step_error' });
    expect(JSON.stringify(run.journal)).not.toContain('internal detail');
  });

  it('a step that never answers ends the run at its deadline', async () => {
    const compiled = engine.runtime.compile(
      journey(
        'hangs',
        {
          a: { type: 'set-variables', config: { assign: { n: 1 } }, branches: { next: 'h' } },
          h: { type: 'test.hang', config: {}, branches: { next: 'done' } },
          done: { type: 'complete', config: {} },
        },
        'a',
      ),
    );
    const started = Date.now();
    await expect(advanceSession(compiled, { input: { ...input('hangs-1'), journeyId: 'hangs' } }, undefined, 100)).rejects.toMatchObject({
      code: 'internal',
      message: 'the session did not reach a waiting step in time',
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
