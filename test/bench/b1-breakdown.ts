/**
 * B1, where the time goes: the login-TOTP journey driven in process (the same SessionService the
 * HTTP routes call, on a SQLite file), profiled, and each sample charged to the part of the engine
 * it was in (`profile-parts.ts`). Reported per login in microseconds of CPU, so the
 * parts that the hand-written flow does not do can be read off directly. The CPU per login is
 * measured on unprofiled logins; the profile of the next ones only says how it divides.
 * B1_BREAKDOWN_PROFILE=FILE keeps the profile (open it in Chrome DevTools).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Engine } from '../../engine/engine.js';
import { newSecret } from '../../steps/totp-common/totp.js';
import { tempDataDir } from '../helpers/test-server.js';
import { codesFor } from './b1-login-totp.js';
import { enrolTotpUsers, loginTotpEngine } from './login-totp-engine.js';
import { chargeStoreMethods, profiled, reportParts } from './profile-parts.js';
import { line } from './stats.js';

const LOGINS = Number(process.env.B1_BREAKDOWN_LOGINS ?? 4000);
const WARM_UP = 500;

async function prepareEngine(users: number): Promise<{ engine: Engine; secrets: string[] }> {
  const dir = tempDataDir();
  const secretKeyHex = randomBytes(32).toString('hex');
  const engine = await loginTotpEngine({ dataDir: dir, databaseUrl: `sqlite:${join(dir, 'breakdown.db')}`, secretKeyHex });
  const secrets = Array.from({ length: users }, () => newSecret());
  await enrolTotpUsers(engine, secretKeyHex, secrets);
  return { engine, secrets };
}

async function login(engine: Engine, username: string, code: string): Promise<void> {
  const started = await engine.sessions.start('login-totp', {}, 'anonymous');
  const done = await engine.sessions.submit(
    started.sessionId,
    started.sessionToken,
    { stepId: 'login', option: 'totp', data: { username, totp_code: code } },
    (body) => body as { stepId: string; option: string },
  );
  if (done.status !== 'completed') throw new Error(`login of ${username} did not complete: ${JSON.stringify(done.error)} at ${new Date().toISOString()}`);
}

/**
 * Logs users `from` to `to` in; their codes are computed just before (a code is good for one
 * 30 s step either side, less than the whole run may take), outside what is measured.
 */
async function logins(engine: Engine, secrets: string[], from: number, to: number): Promise<() => Promise<void>> {
  const codes = await codesFor(secrets, from, to - from);
  return async () => {
    for (let i = from; i < to; i++) await login(engine, `user${i}`, codes[i - from]);
  };
}

export async function runB1Breakdown(): Promise<Map<string, number>> {
  const { engine, secrets } = await prepareEngine(WARM_UP + LOGINS);
  try {
    await (await logins(engine, secrets, 0, WARM_UP))();
    // CPU per login unprofiled first; the profile only says how it divides (sampling adds overhead).
    const half = Math.floor(LOGINS / 2);
    const unprofiled = await logins(engine, secrets, WARM_UP, WARM_UP + half);
    const before = process.cpuUsage();
    await unprofiled();
    const used = process.cpuUsage(before);
    const cpuPerLogin = (used.user + used.system) / half;
    const profile = await profiled(await logins(engine, secrets, WARM_UP + half, WARM_UP + LOGINS), process.env.B1_BREAKDOWN_PROFILE);
    const parts = reportParts('B1 breakdown: the engine in process (SQLite file)', 'login', cpuPerLogin, profile);
    const methods = [...chargeStoreMethods(profile)].sort((a, b) => b[1] - a[1]);
    line('  the store, by method', methods.filter(([, share]) => share * cpuPerLogin >= 1).map(([method, share]) => `${method} ${Math.round(share * cpuPerLogin)}`).join(', ') + ' µs');
    return parts;
  } finally {
    await engine.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runB1Breakdown();
