/**
 * docs/sub-journeys.md's example runs as written: its two journeys (`<!-- example-file: NAME -->`)
 * are published and driven over HTTP, with the nested step id and the answers the page shows.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';

const page = readFileSync(fileURLToPath(new URL('../../docs/sub-journeys.md', import.meta.url)), 'utf8');
const files = Object.fromEntries([...page.matchAll(/<!-- example-file: (\S+) -->\n```json\n([\s\S]*?)```/g)].map((m) => [m[1], JSON.parse(m[2])]));

describe('docs/sub-journeys.md', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    expect(Object.keys(files)).toEqual(['checkout.json', 'confirm-phone.json']);
    await server.publish(files['confirm-phone.json']);
    await server.publish(files['checkout.json']);
  });
  afterAll(() => server.close({ remove: true }));

  it('shows the child\'s step under the call\'s id and completes with its claims', async () => {
    const started = await startSession(server, 'checkout');
    const asked = await submit(server, started.body, 'basket', 'pay');
    expect(asked.body.step).toMatchObject({ id: 'confirm/phone', type: 'form', name: 'phone', data: { title: 'Confirm your phone for the payment' } });
    expect((await submit(server, started.body, 'phone', 'send', { phoneNumber: '+441234' })).body.error.code).toBe('stale_step');
    const done = await submit(server, started.body, 'confirm/phone', 'send', { phoneNumber: '+441234' });
    expect(done.body).toMatchObject({ status: 'completed', result: { claims: { phone: '+441234' } } });
    const detail = await server.admin('GET', `/v1/admin/sessions/${started.body.sessionId}`);
    expect(detail.body.timeline.find((e: { stepId: string }) => e.stepId === 'confirm/phone')).toMatchObject({ journey: { id: 'confirm-phone', version: 1 } });
  });

  it('takes the failure branch with the child\'s error, and refuses to delete the child', async () => {
    const started = await startSession(server, 'checkout');
    await submit(server, started.body, 'basket', 'pay');
    const refused = await submit(server, started.body, 'confirm/phone', 'cancel');
    expect(refused.body).toMatchObject({ status: 'rejected', error: { code: 'cancelled', message: 'The phone was not confirmed' } });
    const deleted = await server.admin('DELETE', '/v1/admin/journeys/confirm-phone');
    expect(deleted.body.error).toMatchObject({ code: 'journey_in_use', details: { callers: ['checkout v1'] } });
  });
});
