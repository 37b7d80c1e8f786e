/**
 * An engine in this process for the offline journey tests: the real runtime and built-in steps on
 * an in-memory SQLite store, with a clock the test moves, the dev outbox as the message providers
 * (the fakes read the codes from it), the fake HTTP for `http.request`, and users seeded through
 * the same credential services the steps use.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { loadConfig } from '../engine/config.js';
import { createEngine, type Engine } from '../engine/engine.js';
import type { StepDefinition } from '../engine/steps/step-types.js';
import type { JsonObject } from '../engine/json.js';
import { PASSKEY_TYPE, userHandleOf } from '../steps/passkey-common/passkeys.js';
import { hashPassword, replacePassword, sealContext } from '../steps/password-common/hashing.js';
import { FakeHttp } from './fakes/fake-http.js';
import { SoftAuthenticator } from './fakes/soft-authenticator.js';
import { TotpDevice } from './fakes/totp-device.js';
import type { JourneyTestUser } from './test-file-schema.js';

/** Where the virtual passkeys think they are (the engine's default relying party). */
export const TEST_ORIGIN = 'http://localhost:3000';
export const TEST_RP_ID = 'localhost';

export class TestClock {
  private current = Date.parse('2026-01-15T10:00:00Z');
  now = (): Date => new Date(this.current);
  advance(seconds: number): void {
    this.current += seconds * 1000;
  }
}

/** Faults a case injects: the next step run throws, as a step meeting a database outage would. */
export interface Faults {
  failNextStep: boolean;
}

export interface TestEngine {
  engine: Engine;
  faults: Faults;
  clock: TestClock;
  http: FakeHttp;
  close(): Promise<void>;
}

export async function createTestEngine(steps: Array<StepDefinition<any>>): Promise<TestEngine> {
  const clock = new TestClock();
  const http = new FakeHttp();
  const faults: Faults = { failNextStep: false };
  const config = loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    // Fixed keys: nothing is written to disk, and a run is the same each time.
    SECRET_KEY: '0'.repeat(64),
    ADMIN_API_KEY: 'journey-test-admin-key',
    WEBAUTHN_RP_ID: TEST_RP_ID,
    WEBAUTHN_ORIGINS: TEST_ORIGIN,
    LOG_LEVEL: 'silent',
    // Tests check behaviour, not speed: a loaded machine must not fail a case on the CPU budget.
    RUN_CPU_BUDGET_MS: '60000',
  });
  const faulty = steps.map((step) => ({
    ...step,
    run: (ctx: never) => {
      // A call only runs its journey's steps: the fault is for the next of those.
      if (faults.failNextStep && step.type !== 'journey.call') {
        faults.failNextStep = false;
        throw new Error('a fault the test injected (stepError)');
      }
      return step.run(ctx);
    },
  }));
  const engine = await createEngine(config, { steps: faulty, now: clock.now, logger: pino({ level: 'silent' }), http });
  return { engine, clock, faults, http, close: () => engine.close() };
}

/** The fakes a case's users hold: their authenticator apps and passkeys, by username. */
export interface UserDevices {
  totp: Map<string, TotpDevice>;
  passkeys: Map<string, SoftAuthenticator>;
}

/** Creates the users (with their password, authenticator app and passkey) before a case starts. */
export async function seedUsers(test: TestEngine, users: readonly JourneyTestUser[], devices: UserDevices): Promise<void> {
  const { store, services } = test.engine;
  const at = test.clock.now().toISOString();
  for (const user of users) {
    const id = user.id ?? `user-${user.username}`;
    await store.users.create({ id, username: user.username, attributes: (user.attributes ?? {}) as JsonObject, createdAt: at });
    if (user.password) await replacePassword(services.credentials, id, await hashPassword(user.password), at);
    if (user.totp) {
      const device = TotpDevice.generate(test.clock.now);
      const authenticatorId = randomUUID();
      await services.credentials.authenticators.create({
        id: authenticatorId,
        userId: id,
        type: 'totp',
        sealedSecret: services.credentials.seal(device.secret, sealContext(authenticatorId)),
        params: { algorithm: 'SHA1', digits: 6, period: 30, issuer: 'Journey tests' },
        confirmedAt: at,
        createdAt: at,
        lastUsedAt: null,
        lastTimeStep: null,
      });
      devices.totp.set(user.username, device);
    }
    if (user.passkey) {
      const passkey = new SoftAuthenticator({ origin: TEST_ORIGIN, rpId: TEST_RP_ID });
      passkey.userHandle = Buffer.from(userHandleOf(id)).toString('base64url');
      await services.credentials.authenticators.create({
        id: randomUUID(),
        userId: id,
        type: PASSKEY_TYPE,
        sealedSecret: null,
        params: {
          credentialId: passkey.id,
          publicKey: passkey.publicKeyCose,
          transports: ['internal'],
          backupEligible: false,
          backedUp: false,
          aaguid: '00000000-0000-0000-0000-000000000000',
          name: 'Virtual passkey',
        },
        confirmedAt: at,
        createdAt: at,
        lastUsedAt: null,
        lastTimeStep: null,
        signCount: 0,
      });
      devices.passkeys.set(user.username, passkey);
    }
  }
}
