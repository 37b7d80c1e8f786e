/**
 * B5: a usernameless passkey sign-in over HTTP (start: the options under a fresh challenge;
 * verify: the signature, the counter's compare-and-set, the failure limit's give-back, the
 * token), sequential, on SQLite, answered by the tests' software authenticator (ES256). Signing
 * happens between the two requests and is not timed: the figures are the server's.
 */
import { performance } from 'node:perf_hooks';
import { APP_KEY, startSession, startTestServer, submit } from '../helpers/test-server.js';
import { SoftAuthenticator } from '../../testing/fakes/soft-authenticator.js';
import { line, median, percentile } from './stats.js';

const SIGN_INS = Number(process.env.B5_SIGN_INS ?? 300);
const ORIGIN = 'https://login.example.test';

export async function runB5(): Promise<void> {
  console.log('B5: passkey sign-in (usernameless), sequential, over HTTP on SQLite');
  const server = await startTestServer({ env: { WEBAUTHN_RP_ID: 'example.test', WEBAUTHN_ORIGINS: ORIGIN } });
  try {
    await server.publish({
      id: 'b5-register',
      name: 'b5',
      start: 'who',
      steps: {
        who: { type: 'user.identify', config: { userId: '{% $input.userId %}', mode: 'find-or-create' }, branches: { success: 'enrol' } },
        enrol: { type: 'passkey.register', config: {}, branches: { success: 'done', skipped: 'done' } },
        done: { type: 'complete', config: { claims: {} } },
      },
    });
    await server.publish({
      id: 'b5-signin',
      name: 'b5',
      start: 'passkey',
      settings: { public: true },
      steps: {
        passkey: { type: 'passkey.authenticate', config: {}, branches: { success: 'done', username: 'done', skipped: 'done' } },
        done: { type: 'complete', config: { claims: { userId: '{% $user.id %}' } } },
      },
    });
    const device = new SoftAuthenticator({ origin: ORIGIN, rpId: 'example.test' }, { startCount: 1 });
    const enrol = await server.request('POST', '/v1/journeys/b5-register/start', { body: { input: { userId: 'b5-user' } }, token: APP_KEY });
    const registered = await submit(server, enrol.body, 'enrol', 'register', { credential: device.create(enrol.body.step.data.options) });
    if (registered.body.status !== 'completed') throw new Error(`B5: registration failed: ${JSON.stringify(registered.body)}`);

    const starts: number[] = [];
    const verifies: number[] = [];
    for (let i = 0; i < SIGN_INS + 20; i++) {
      let t = performance.now();
      const session = await startSession(server, 'b5-signin');
      const startMs = performance.now() - t;
      const credential = device.get(session.body.step.data.options);
      t = performance.now();
      const done = await submit(server, session.body, 'passkey', 'verify', { credential });
      const verifyMs = performance.now() - t;
      if (done.body.status !== 'completed') throw new Error(`B5: sign-in ${i} failed: ${JSON.stringify(done.body)}`);
      // The first 20 warm up.
      if (i >= 20) {
        starts.push(startMs);
        verifies.push(verifyMs);
      }
    }
    const ms = (values: number[]) => `median ${median(values).toFixed(2)} ms, p95 ${percentile(values, 95).toFixed(2)} ms`;
    line(`  start (options, fresh challenge), ${SIGN_INS} sign-ins`, ms(starts));
    line('  verify (signature, counter, token)', ms(verifies));
  } finally {
    await server.close({ remove: true });
  }
  console.log();
}

if (import.meta.url === `file://${process.argv[1]}`) await runB5();
