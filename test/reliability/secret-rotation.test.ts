/**
 * SECRET_KEY rotation on one SQLite data directory: K1; then K2 with SECRET_KEY_PREVIOUS=K1 (the
 * rotation) and K2 alone (the rotation finished), the latter two side by side on the same file
 * (SQLite allows it) so the suite starts them at once. K1 stops gracefully (SIGTERM) first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  call,
  codeFor,
  killAllEngines,
  newSecretKey,
  phoneNumber,
  startAtOtp,
  startEngine,
  submitStep,
  tempDir,
  type EngineProcess,
  type SessionRef,
} from './harness.js';

async function stop(engine: EngineProcess): Promise<void> {
  engine.terminate();
  const exit = await engine.exited;
  expect(exit.code).toBe(0);
}

async function verifyNew(base: string, index: number) {
  const ref = await startAtOtp(base, phoneNumber(index));
  return submitStep(base, ref, 'otp', 'verify', { code: await codeFor(base, ref.sessionId) });
}

describe('SECRET_KEY rotation', () => {
  const dataDir = tempDir();
  const k1 = newSecretKey();
  const k2 = newSecretKey();
  let oldToken = '';
  let pending: SessionRef;
  let pendingCode = '';
  let rotating: EngineProcess;
  let rotated: EngineProcess;

  beforeAll(async () => {
    // Before: K1 signs a token (sealing the signing key under K1) and sends a code.
    const before = await startEngine({ name: 'K1', dataDir, secretKey: k1 });
    const done = await verifyNew(before.url, 1);
    expect(done.body.status).toBe('completed');
    oldToken = done.body.result.token;
    pending = await startAtOtp(before.url, phoneNumber(2));
    pendingCode = await codeFor(before.url, pending.sessionId);
    await stop(before);
    [rotating, rotated] = await Promise.all([
      startEngine({ name: 'K2+K1', dataDir, secretKey: k2, env: { SECRET_KEY_PREVIOUS: k1 } }),
      startEngine({ name: 'K2', dataDir, secretKey: k2 }),
    ]);
  }, 40_000);

  afterAll(killAllEngines);

  it('during the rotation (SECRET_KEY_PREVIOUS=K1): tokens signed before validate, new sessions complete and sign', async () => {
    expect((await admin(rotating.url, 'POST', '/v1/tokens/validate', { token: oldToken })).body).toMatchObject({ valid: true });
    const fresh = await verifyNew(rotating.url, 3);
    expect(fresh.body.status, JSON.stringify(fresh.body)).toBe('completed');
    expect((await admin(rotating.url, 'POST', '/v1/tokens/validate', { token: fresh.body.result.token })).body).toMatchObject({ valid: true });
  });

  it('during the rotation: a code sent under K1 just before the restart still verifies', async () => {
    // The code's keyed hash was made with K1; with K1 still configured as SECRET_KEY_PREVIOUS the
    // right code should still be accepted (the user did nothing wrong).
    const verified = await submitStep(rotating.url, pending, 'otp', 'verify', { code: pendingCode });
    expect(verified.status).toBe(200);
    expect(verified.body.error, JSON.stringify(verified.body)).toBeNull();
    expect(verified.body.status).toBe('completed');
  });

  it('after the rotation (K2 alone, SECRET_KEY_PREVIOUS removed): sessions still complete with a token', async () => {
    const after = rotated;
    // The server says it is ready…
    expect((await call(after.url, 'GET', '/readyz')).status).toBe(200);
    // …and a user who types the right code must get a token, not a failed session.
    const fresh = await verifyNew(after.url, 4);
    expect(fresh.status).toBe(200);
    expect(fresh.body.status, JSON.stringify(fresh.body)).toBe('completed');
    expect(fresh.body.result?.token).toEqual(expect.any(String));
  });
});
