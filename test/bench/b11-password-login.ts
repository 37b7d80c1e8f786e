/**
 * B11: a password login over HTTP on SQLite, sequential: start (the journey asks for the
 * password) and submit (password.authenticate: the lockout reservation, argon2id's verify, the
 * session's save, the token). argon2id's own cost is measured apart, by verifying the same PHC
 * string directly between logins (so under the same load), and subtracted from the submit's
 * median to give the engine's overhead around it.
 */
import { performance } from 'node:perf_hooks';
import { APP_KEY, startSession, startTestServer, submit } from '../helpers/test-server.js';
import { hashPassword, verifyPassword } from '../../steps/password-common/hashing.js';
import { line, median, percentile } from './stats.js';

const LOGINS = Number(process.env.B11_LOGINS ?? 100);
const WARM_UP = 10;
const USERNAME = 'b11-user';
const PASSWORD = 'seven violet kites over the harbour';

export async function runB11(): Promise<void> {
  console.log('B11: password login (argon2id m=19 MiB, t=2, p=1), sequential, over HTTP on SQLite');
  const server = await startTestServer();
  try {
    await server.publish({
      id: 'b11-signup',
      name: 'b11',
      start: 'create',
      steps: {
        create: { type: 'user.identify', config: { username: '{% $input.username %}', mode: 'create' }, branches: { success: 'password' } },
        password: { type: 'password.set', branches: { success: 'done' } },
        done: { type: 'complete', config: { claims: {} } },
      },
    });
    await server.publish({
      id: 'b11-login',
      name: 'b11',
      start: 'check',
      settings: { public: true },
      steps: {
        check: { type: 'password.authenticate', config: { username: '{% $input.username %}' }, branches: { success: 'done' } },
        done: { type: 'complete', config: { claims: { userId: '{% $user.id %}' } } },
      },
    });
    const signup = await server.request('POST', '/v1/journeys/b11-signup/start', { body: { input: { username: USERNAME } }, token: APP_KEY });
    const option = signup.body.step?.options?.[0]?.id;
    const set = await submit(server, signup.body, 'password', option, { password: PASSWORD });
    if (set.body.status !== 'completed') throw new Error(`B11: sign-up failed: ${JSON.stringify(set.body)}`);
    const phc = await hashPassword(PASSWORD);

    const starts: number[] = [];
    const submits: number[] = [];
    const argon: number[] = [];
    for (let i = 0; i < LOGINS + WARM_UP; i++) {
      let t = performance.now();
      const session = await startSession(server, 'b11-login', { input: { username: USERNAME } });
      const startMs = performance.now() - t;
      t = performance.now();
      const done = await submit(server, session.body, 'check', 'verify', { password: PASSWORD });
      const submitMs = performance.now() - t;
      if (done.body.status !== 'completed') throw new Error(`B11: login ${i} failed: ${JSON.stringify(done.body)}`);
      t = performance.now();
      if (!(await verifyPassword(phc, PASSWORD))) throw new Error('B11: the direct verify failed');
      const argonMs = performance.now() - t;
      if (i >= WARM_UP) {
        starts.push(startMs);
        submits.push(submitMs);
        argon.push(argonMs);
      }
    }
    const ms = (values: number[]) => `median ${median(values).toFixed(2)} ms, p95 ${percentile(values, 95).toFixed(2)} ms`;
    line(`  start (asks for the password), ${LOGINS} logins`, ms(starts));
    line('  submit (lockout, argon2id verify, save, token)', ms(submits));
    line('  argon2id verify alone (same hash, between logins)', ms(argon));
    line('  engine overhead around argon2id (submit − verify, medians)', `${(median(submits) - median(argon)).toFixed(2)} ms`);
    line('  engine work per login (start + submit − verify, medians)', `${(median(starts) + median(submits) - median(argon)).toFixed(2)} ms`);
  } finally {
    await server.close({ remove: true });
  }
  console.log();
}

if (import.meta.url === `file://${process.argv[1]}`) await runB11();
