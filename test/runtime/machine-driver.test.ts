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
