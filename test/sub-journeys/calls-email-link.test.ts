/**
 * An email link sent by a step of a called journey (#20): opening it resumes the session inside
 * the child (the link knows the child's step, the session shows it under the call's id), and the
 * factor it proves is the caller's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { EMAIL, PUBLIC_URL, createUser, getSession, linkJourney, linkToken, openLink, start } from '../links/link-helpers.js';

describe('an email link inside a called journey', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { PUBLIC_URL } });
    await createUser(server);
    const block = linkJourney('verify-email-block');
    await server.publish({ ...block, settings: { public: false }, input: { type: 'object', properties: { email: { type: 'string' } } } });
    await server.publish({
      id: 'link-caller',
      start: 'verify',
      settings: { public: true },
      steps: {
        verify: { type: 'journey.call', config: { journeyId: 'verify-email-block', input: { email: '{% $input.email %}' }, outputVariable: 'verified' }, branches: { success: 'done' } },
        done: { type: 'complete', config: { claims: { verified: '{% verified %}', amr: '{% $auth.amr %}' } } },
      },
    });
  });
  afterAll(() => server.close({ remove: true }));

  it('resumes the session inside the child when the link is opened, the factor the caller\'s', async () => {
    const started = await start(server, 'link-caller');
    expect(started.body).toMatchObject({ status: 'waiting', step: { id: 'verify/link', type: 'email.link' } });
    const token = await linkToken(server, started.body.sessionId);
    const page = await openLink(server, token, { cookie: started.cookie });
    expect(page.outcome).toBe('done');
    const done = await getSession(server, started.body);
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims).toEqual({ verified: { email: EMAIL, amr: ['email'] }, amr: ['email'] });
  });
});
