/**
 * The run's CPU budget bounds what a request does on the event loop. Work a step waits for off the
 * event loop (thread-pool hashing) goes through the SDK's `uncharged` and is not charged, so a busy
 * machine slows an honest sign-in down instead of failing it; the same wait left charged still
 * counts, which is what makes the budget bite on step code.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineStep, uncharged } from '../../engine/sdk.js';
import { hashPassword, verifyPassword } from '../../steps/password-common/hashing.js';
import { startSession, startTestServer, type TestServer } from '../helpers/test-server.js';

const WAIT_MS = 400;

const waits = defineStep({
  type: 'test.wait',
  title: 'Wait',
  category: 'logic',
  interactive: false,
  description: 'Waits WAIT_MS, charged or not.',
  configSchema: { type: 'object', properties: { charged: { type: 'boolean' } }, required: ['charged'], additionalProperties: false },
  branches: ['next'],
  writes: {},
  async run(ctx) {
    const wait = () => sleep(WAIT_MS);
    if (ctx.config.charged) await wait();
    else await uncharged(wait);
    return ctx.branch('next');
  },
});

function journey(id: string, charged: boolean) {
  return {
    id,
    start: 'wait',
    settings: { public: true },
    steps: {
      wait: { type: 'test.wait', config: { charged }, branches: { next: 'done' } },
      done: { type: 'complete', config: { claims: { ok: true } } },
    },
  };
}

describe('uncharged waits and the CPU budget', () => {
  let server: TestServer;
  beforeAll(async () => {
    // A budget well under the wait: only an uncharged wait can finish.
    server = await startTestServer({ steps: [waits], env: { RUN_CPU_BUDGET_MS: '100' } });
    await server.publish(journey('uncharged-wait', false));
    await server.publish(journey('charged-wait', true));
  });
  afterAll(() => server.close({ remove: true }));

  it('a wait inside uncharged() is not charged: the run completes under a budget shorter than the wait', async () => {
    const { body } = await startSession(server, 'uncharged-wait');
    expect(body).toMatchObject({ status: 'completed' });
  });

  it('the same wait left charged spends the budget: budget_exceeded', async () => {
    const { body } = await startSession(server, 'charged-wait');
    expect(body).toMatchObject({ status: 'failed', error: { code: 'budget_exceeded' } });
  });

  it('password hashing still hashes and verifies through uncharged()', async () => {
    const phc = await hashPassword('correct horse battery staple', { memoryCost: 1024, timeCost: 1 });
    expect(phc.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword(phc, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(phc, 'wrong')).toBe(false);
  });
});
