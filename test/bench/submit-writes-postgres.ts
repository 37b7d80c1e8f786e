/**
 * Login-TOTP submits on PostgreSQL, in process (issue #24, two writes per submit): the round trips
 * and write transactions the `pg` client sends per submit (an autocommit statement that writes, or
 * a BEGIN…COMMIT holding one), and the submit's wall time (median, p95). Not part of `npm run
 * bench`: `TEST_DATABASE_URL=postgres://… npx tsx test/bench/submit-writes-postgres.ts [submits]`.
 * A fresh schema, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { newSecret } from '../../steps/totp-common/totp.js';
import { codesFor } from './b1-login-totp.js';
import { enrolTotpUsers, loginTotpEngine } from './login-totp-engine.js';

const N = Number(process.argv[2] ?? 300);
const base = process.env.TEST_DATABASE_URL;
if (!base) throw new Error('TEST_DATABASE_URL names the PostgreSQL database to use');
const schema = `bench_writes_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const secretKeyHex = randomBytes(32).toString('hex');
const engine = await loginTotpEngine({ dataDir: mkdtempSync(join(tmpdir(), 'lease-bench-')), databaseUrl: `${base}?schema=${schema}`, secretKeyHex });
const secrets = Array.from({ length: N + 20 }, () => newSecret());
await enrolTotpUsers(engine, secretKeyHex, secrets, 4);

let trips = 0;
let writes = 0;
const open = new WeakMap<object, { wrote: boolean }>();
const original = pg.Client.prototype.query;
let counting = false;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  if (counting) {
    const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string })?.text ?? '');
    trips++;
    const tx = open.get(this);
    if (/^\s*BEGIN/i.test(text)) open.set(this, { wrote: false });
    else if (/^\s*(COMMIT|ROLLBACK)/i.test(text)) {
      if (tx?.wrote) writes++;
      open.delete(this);
    } else if (/\b(INSERT|UPDATE|DELETE)\b/i.test(text)) {
      if (tx) tx.wrote = true;
      else writes++;
    }
  }
  return (original as (...a: unknown[]) => unknown).apply(this, args);
} as typeof original;

async function login(i: number, code: string, measure: boolean): Promise<number> {
  const started = await engine.sessions.start('login-totp', {}, 'anonymous');
  counting = measure;
  const t0 = performance.now();
  const done = await engine.sessions.submit(started.sessionId, started.sessionToken, { stepId: 'login', option: 'totp', data: { username: `user${i}`, totp_code: code } }, (b) => b as { stepId: string; option: string });
  const ms = performance.now() - t0;
  counting = false;
  if (done.status !== 'completed') throw new Error(`not completed: ${JSON.stringify(done.error)}`);
  return ms;
}

try {
  const warm = await codesFor(secrets, 0, 20);
  for (let i = 0; i < 20; i++) await login(i, warm[i], false);
  const codes = await codesFor(secrets, 20, N);
  const times: number[] = [];
  for (let i = 0; i < N; i++) times.push(await login(20 + i, codes[i], true));
  times.sort((a, b) => a - b);
  console.log(`${N} login-TOTP submits on PostgreSQL: ${(trips / N).toFixed(2)} round trips, ${(writes / N).toFixed(2)} write transactions per submit; submit median ${times[Math.floor(N / 2)].toFixed(2)} ms, p95 ${times[Math.floor(N * 0.95)].toFixed(2)} ms`);
} finally {
  await engine.close();
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
}
