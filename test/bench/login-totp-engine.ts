/** An engine with the login-TOTP sample published and TOTP users enrolled: what B1, its breakdown and B4 start from. */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { loadConfig } from '../../engine/config.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { createSealer } from '../../engine/security/sealing.js';
import type { JsonObject } from '../../engine/steps/step-types.js';
import { builtInSteps } from '../../steps/index.js';

export async function loginTotpEngine(options: { dataDir: string; databaseUrl?: string; secretKeyHex: string }): Promise<Engine> {
  const engine = await createEngine(
    loadConfig({
      DATA_DIR: options.dataDir,
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ADMIN_API_KEY: 'bench-admin-key',
      SECRET_KEY: options.secretKeyHex,
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'silent',
    }),
    { steps: builtInSteps, logger: pino({ level: process.env.BENCH_LOG ?? 'silent' }) },
  );
  await engine.admin.save('login-totp', JSON.parse(readFileSync('journeys/login-totp.json', 'utf8')) as JsonObject);
  await engine.admin.publish('login-totp');
  return engine;
}

/**
 * Enrols `user<i>` with an authenticator app holding `secrets[i]`, `inFlight` at a time (a
 * PostgreSQL pool has several connections; SQLite answers at once either way).
 */
export async function enrolTotpUsers(engine: Engine, secretKeyHex: string, secrets: string[], inFlight = 1): Promise<void> {
  const sealer = createSealer(Buffer.from(secretKeyHex, 'hex'));
  const enrolled = '2020-01-01T00:00:00.000Z';
  const enrol = async (i: number) => {
    const user = await engine.store.users.create({ id: randomUUID(), username: `user${i}`, attributes: {}, createdAt: enrolled });
    const id = randomUUID();
    await engine.store.authenticators.create({
      id,
      userId: user.id,
      type: 'totp',
      sealedSecret: sealer.seal(secrets[i], `authenticator:${id}`),
      params: { algorithm: 'SHA1', digits: 6, period: 30 },
      confirmedAt: enrolled,
      createdAt: enrolled,
      lastUsedAt: null,
      lastTimeStep: null,
    });
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < secrets.length) await enrol(next++);
    }),
  );
}
