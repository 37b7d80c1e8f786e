/**
 * Sub-journeys at publish and delete (#20): cycles at any depth, unknown journeys (a warning in a
 * draft, an error at publish), inputs the callee's schema refuses, and deleting a called journey.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { child, grandchild, parent, proveStep } from './sub-journey-fixtures.js';

function caller(id: string, calls: string | null, extra: Record<string, unknown> = {}) {
  return {
    id,
    start: calls ? 'call' : 'done',
    steps: {
      ...(calls ? { call: { type: 'journey.call', config: { journeyId: calls, ...extra }, branches: { success: 'done' } } } : {}),
      done: { type: 'complete', config: { claims: { from: id } } },
    },
  };
}

describe('checking calls', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ steps: [proveStep] });
  });
  afterAll(() => server.close({ remove: true }));

  it('refuses a cycle three journeys deep at publish, naming it', async () => {
    await server.publish(caller('cyc-c', null));
    await server.publish(caller('cyc-b', 'cyc-c'));
    await server.publish(caller('cyc-a', 'cyc-b'));
    await server.admin('PUT', '/v1/admin/journeys/cyc-c', caller('cyc-c', 'cyc-a'));
    const published = await server.admin('POST', '/v1/admin/journeys/cyc-c/publish');
    expect(published.status).toBe(422);
    expect(published.body.error.code).toBe('validation_failed');
    const [cycle] = published.body.error.details.diagnostics;
    expect(cycle).toMatchObject({ code: 'call_cycle', severity: 'error', stepId: 'call', path: '/steps/call/config/journeyId' });
    expect(cycle.message).toContain('cyc-c → cyc-a → cyc-b → cyc-c');
    // The draft says so too, and version 1 stays the latest.
    const draft = await server.admin('GET', '/v1/admin/journeys/cyc-c');
    expect(draft.body.diagnostics.map((d: { code: string }) => d.code)).toContain('call_cycle');
    expect(draft.body.versions).toHaveLength(1);
  });

  it('refuses a journey calling itself', async () => {
    await server.admin('PUT', '/v1/admin/journeys/selfish', caller('selfish', 'selfish'));
    const published = await server.admin('POST', '/v1/admin/journeys/selfish/publish');
    expect(published.status).toBe(422);
    expect(published.body.error.details.diagnostics[0]).toMatchObject({ code: 'call_cycle' });
  });

  it('warns of an unknown journey in a draft and refuses it at publish', async () => {
    const saved = await server.admin('PUT', '/v1/admin/journeys/lonely', caller('lonely', 'nobody-here'));
    expect(saved.status).toBe(200);
    const warning = saved.body.diagnostics.find((d: { code: string }) => d.code === 'unknown_journey');
    expect(warning).toMatchObject({ severity: 'warning', stepId: 'call' });
    const published = await server.admin('POST', '/v1/admin/journeys/lonely/publish');
    expect(published.status).toBe(422);
    expect(published.body.error.details.diagnostics[0]).toMatchObject({ code: 'unknown_journey', severity: 'error' });

    // A pinned version that was never published is unknown as well.
    await server.publish(caller('pinned-target', null));
    await server.admin('PUT', '/v1/admin/journeys/pins', caller('pins', 'pinned-target', { version: 7 }));
    const pinned = await server.admin('POST', '/v1/admin/journeys/pins/publish');
    expect(pinned.body.error.details.diagnostics[0]).toMatchObject({ code: 'unknown_journey' });
    expect(pinned.body.error.details.diagnostics[0].message).toContain('version 7');
  });

  it('refuses an input the callee\'s input schema cannot accept', async () => {
    await server.publish(grandchild());
    // Missing the required "who".
    await server.admin('PUT', '/v1/admin/journeys/no-who', caller('no-who', 'grandchild', { input: { name: 'x' } }));
    const missing = await server.admin('POST', '/v1/admin/journeys/no-who/publish');
    expect(missing.status).toBe(422);
    expect(missing.body.error.details.diagnostics[0]).toMatchObject({ code: 'invalid_call_input', path: '/steps/call/config/input' });
    // A literal of the wrong type.
    await server.admin('PUT', '/v1/admin/journeys/bad-who', caller('bad-who', 'grandchild', { input: { who: 42 } }));
    const wrong = await server.admin('POST', '/v1/admin/journeys/bad-who/publish');
    expect(wrong.body.error.details.diagnostics[0]).toMatchObject({ code: 'invalid_call_input', path: '/steps/call/config/input/who' });
    // An expression is checked when the call runs, not here.
    expect(await server.publish(caller('expr-who', 'grandchild', { input: { who: '{% $input.x %}' } }))).toBe(1);
  });

  it('lets data flow see a call\'s output with the shape of the called journey\'s claims', async () => {
    await server.publish(grandchild());
    const reader = (claim: string) => ({
      id: 'reader',
      start: 'call',
      steps: {
        call: { type: 'journey.call', config: { journeyId: 'grandchild', input: { who: 'x' }, outputVariable: 'g' }, branches: { success: 'done' } },
        done: { type: 'complete', config: { claims: { got: `{% g.${claim} %}` } } },
      },
    });
    const typo = await server.admin('PUT', '/v1/admin/journeys/reader', reader('grnd'));
    const unknown = typo.body.diagnostics.find((d: { code: string }) => d.code === 'unknown_property');
    expect(unknown).toMatchObject({ stepId: 'done', suggestion: 'grand' });
    const right = await server.admin('PUT', '/v1/admin/journeys/reader', reader('grand'));
    expect(right.body.diagnostics.filter((d: { code: string }) => d.code === 'unknown_property')).toEqual([]);
  });

  it('refuses to delete a journey a published version calls, listing the callers', async () => {
    await server.publish(child());
    await server.publish(parent());
    const refused = await server.admin('DELETE', '/v1/admin/journeys/child');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('journey_in_use');
    expect(refused.body.error.details.callers).toEqual(['parent v1']);
    expect((await server.admin('GET', '/v1/admin/journeys/child')).status).toBe(200);
    // Once no caller is left, it goes.
    expect((await server.admin('DELETE', '/v1/admin/journeys/parent')).status).toBe(204);
    expect((await server.admin('DELETE', '/v1/admin/journeys/child')).status).toBe(204);
  });
});
