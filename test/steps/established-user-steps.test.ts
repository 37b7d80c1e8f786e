/**
 * authenticator.check and user.unlock: both answer only for an established user, so a journey can
 * neither tell a stranger which usernames have an app nor let them unlock someone else's account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, startSession, startTestServer, type TestServer } from '../helpers/test-server.js';
import { codeNow, enrolUser, quickEnrolJourney, wrongCode, authJourney, login } from '../totp-http/totp-helpers.js';
import { reveal, run } from './step-helpers.js';

describe('steps for established users only', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.publish(quickEnrolJourney());
    await server.publish(authJourney('auth-for-unlock'));
  });
  afterAll(() => server.close({ remove: true }));

  const check = (identify: Record<string, unknown>) => ({
    who: { type: 'user.identify', config: identify, branches: { success: 'has' } },
    has: { type: 'authenticator.check', config: {}, errorOutputVariable: 'err', branches: { present: 'yes', absent: 'no', failure: 'refused' } },
    yes: reveal({ has: true }),
    no: reveal({ has: false }),
    refused: reveal({ err: '{% err.code %}' }),
  });

  it('authenticator.check refuses a user only identified by a typed username, whether or not they have an app', async () => {
    await enrolUser(server, 'has-app');
    await run(server, { who: { type: 'user.identify', config: { username: 'no-app', mode: 'create' }, branches: { success: 'done' } }, done: reveal({}) });
    for (const username of ['has-app', 'no-app']) {
      const answer = await run(server, check({ username }));
      expect(answer.body.result.claims, username).toEqual({ err: 'unauthenticated' });
    }
  });

  it('authenticator.check answers present / absent for an established user', async () => {
    const enrolled = await enrolUser(server, 'proved-app');
    const present = await run(server, {
      auth: { type: 'totp.authenticate', config: { username: 'proved-app', code: await codeNow(enrolled.secret, server.clock, 1) }, branches: { success: 'has' } },
      has: { type: 'authenticator.check', branches: { present: 'yes', absent: 'no' } },
      yes: reveal({ has: true }),
      no: reveal({ has: false }),
    });
    expect(present.body.result.claims).toEqual({ has: true });
    const absent = await run(server, check({ username: 'fresh-user', mode: 'create' }));
    expect(absent.body.result.claims).toEqual({ has: false });
  });

  it('user.unlock clears the established user\'s lockouts and refuses anyone else', async () => {
    const enrolled = await enrolUser(server, 'locked-out');
    for (let i = 0; i < 5; i++) await login(server, 'auth-for-unlock', 'locked-out', await wrongCode(enrolled.secret, server.clock));
    const locked = await login(server, 'auth-for-unlock', 'locked-out', await codeNow(enrolled.secret, server.clock));
    expect(locked.error.code).toBe('locked');

    const refused = await run(server, {
      who: { type: 'user.identify', config: { username: 'locked-out' }, branches: { success: 'unlock' } },
      unlock: { type: 'user.unlock', errorOutputVariable: 'err', branches: { success: 'done', failure: 'no' } },
      done: reveal({ unlocked: true }),
      no: reveal({ err: '{% err.code %}' }),
    });
    expect(refused.body.result.claims).toEqual({ err: 'unauthenticated' });
    const stillLocked = await login(server, 'auth-for-unlock', 'locked-out', await codeNow(enrolled.secret, server.clock));
    expect(stillLocked.error.code).toBe('locked');

    // Established (here: named by an app caller, as a recovery by email link would prove them), the owner's lockouts go.
    const doc = {
      id: 'unlock-by-app',
      start: 'who',
      settings: { public: false },
      steps: {
        who: { type: 'user.identify', config: { username: '{% $input.username %}' }, branches: { success: 'unlock' } },
        unlock: { type: 'user.unlock', branches: { success: 'done' } },
        done: reveal({ unlocked: true }),
      },
    };
    await server.publish(doc);
    const unlocked = await startSession(server, doc.id, { input: { username: 'locked-out' } }, APP_KEY);
    expect(unlocked.body.result.claims).toEqual({ unlocked: true });
    server.clock.advance(30);
    const signedIn = await login(server, 'auth-for-unlock', 'locked-out', await codeNow(enrolled.secret, server.clock));
    expect(signedIn.status, JSON.stringify(signedIn)).toBe('completed');
  });
});
