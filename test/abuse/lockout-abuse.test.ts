/**
 * Lockouts cannot be turned against their owners: a replayed valid TOTP code is refused without
 * counting as a failure, and a user whose app is locked by someone's wrong guesses can still get
 * in with a recovery code, a credential with a lockout of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { authJourney, codeNow, enrolUser, login, quickEnrolJourney, wrongCode } from '../totp-http/totp-helpers.js';

describe('lockouts are no lasting denial of service', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.publish(quickEnrolJourney());
    await server.publish(authJourney('auth', { allowRecoveryCodes: true }));
  });
  afterAll(() => server.close({ remove: true }));

  it('a replayed valid code is refused and never counts towards the lockout', async () => {
    const enrolled = await enrolUser(server, 'replayed');
    server.clock.advance(30);
    const code = await codeNow(enrolled.secret, server.clock);
    expect((await login(server, 'auth', 'replayed', code)).status).toBe('completed');
    // Someone who saw the code replays it many times: refused each time, nobody locked.
    for (let i = 0; i < 8; i++) expect((await login(server, 'auth', 'replayed', code)).error.code).toBe('invalid_code');
    server.clock.advance(30);
    expect((await login(server, 'auth', 'replayed', await codeNow(enrolled.secret, server.clock))).status).toBe('completed');
  });

  it('wrong codes still lock the app; the owner gets in with a recovery code meanwhile', async () => {
    const enrolled = await enrolUser(server, 'guessed');
    for (let i = 0; i < 5; i++) await login(server, 'auth', 'guessed', await wrongCode(enrolled.secret, server.clock));
    server.clock.advance(30);
    expect((await login(server, 'auth', 'guessed', await codeNow(enrolled.secret, server.clock))).error.code).toBe('locked');
    const recovered = await login(server, 'auth', 'guessed', enrolled.recoveryCodes[0]);
    expect(recovered.status, JSON.stringify(recovered)).toBe('completed');
    expect(recovered.result.claims.method).toBe('recovery_code');
  });

  it('recovery codes have their own lockout: guessing them is limited too', async () => {
    const enrolled = await enrolUser(server, 'recovery-guessed');
    for (let i = 0; i < 5; i++) expect((await login(server, 'auth', 'recovery-guessed', 'aaaaa-aaaaa')).error.code).toBe('invalid_code');
    expect((await login(server, 'auth', 'recovery-guessed', enrolled.recoveryCodes[1])).error.code).toBe('locked');
    // ...which leaves the app's own codes working.
    server.clock.advance(30);
    expect((await login(server, 'auth', 'recovery-guessed', await codeNow(enrolled.secret, server.clock))).status).toBe('completed');
  });
});
