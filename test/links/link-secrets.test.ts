/**
 * Link tokens are secrets: a token in a log line, a timeline or an API answer is a usable sign-in
 * link. The request log shows `/v1/links/[redacted]`; timelines and answers never hold the token,
 * and the match code (which proves "I can see the first screen") stays out of timelines too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs } from '../otp/otp-helpers.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { PUBLIC_URL, createUser, getSession, linkJourney, linkToken, openLink, otherCookie, start } from './link-helpers.js';

describe('email link secrecy', () => {
  const logs = captureLogs();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { PUBLIC_URL }, logger: logs.logger });
    await createUser(server);
    await server.publish(linkJourney('secret-same'));
    await server.publish(linkJourney('secret-other', { allowOtherDevice: true }));
  });
  afterAll(() => server.close({ remove: true }));

  it('the request log names link requests without their token, for every outcome', async () => {
    const same = await start(server, 'secret-same');
    const sameToken = await linkToken(server, same.body.sessionId);
    const other = await start(server, 'secret-other');
    const otherToken = await linkToken(server, other.body.sessionId);
    const code: string = other.body.step.data.code;
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');

    const outcomes = [
      await openLink(server, sameToken, { method: 'GET', cookie: same.cookie }),
      await openLink(server, sameToken, { cookie: otherCookie() }),
      await openLink(server, sameToken, { cookie: same.cookie }),
      await openLink(server, sameToken, { cookie: same.cookie }),
      await openLink(server, otherToken, { cookie: otherCookie(), code: wrong }),
      await openLink(server, otherToken, { cookie: otherCookie(), code }),
      await openLink(server, `${sameToken.slice(0, -1)}x`, { method: 'GET' }),
      await openLink(server, otherToken, { cookie: otherCookie(), body: `code=${'9'.repeat(5000)}` }),
    ];
    expect(outcomes.map((p) => p.status)).toEqual([200, 403, 200, 410, 400, 200, 404, 400]);

    const lines = logs.lines.map((l) => JSON.parse(l) as { req?: { path: string }; res?: { status: number } });
    const linkLines = lines.filter((l) => l.req?.path?.startsWith('/v1/links/'));
    expect(linkLines).toHaveLength(outcomes.length);
    for (const line of linkLines) expect(line.req!.path).toBe('/v1/links/[redacted]');
    expect(linkLines.map((l) => l.res?.status)).toEqual(outcomes.map((p) => p.status));

    const text = logs.text();
    for (const secret of [sameToken, otherToken, sameToken.slice(0, 20), otherToken.slice(0, 20)]) expect(text).not.toContain(secret);
  });

  it('timelines and session answers hold neither the token nor the match code', async () => {
    const other = await start(server, 'secret-other');
    const token = await linkToken(server, other.body.sessionId);
    const code: string = other.body.step.data.code;
    expect((await openLink(server, token, { cookie: otherCookie(), code })).outcome).toBe('done_other_device');

    const detail = await server.admin('GET', `/v1/admin/sessions/${other.body.sessionId}`);
    expect(detail.status).toBe(200);
    const timeline = JSON.stringify(detail.body);
    expect(timeline).toContain('"link"');
    expect(timeline).not.toContain(token);
    expect(timeline).not.toContain(code);
    const answer = await getSession(server, other.body);
    expect(answer.body.status).toBe('completed');
    expect(JSON.stringify(answer.body)).not.toContain(token);
    // Stored: the token only as its hash, the code only sealed or keyed-hashed.
    const stored = JSON.stringify(await server.engine.store.sessions.get(other.body.sessionId));
    expect(stored).not.toContain(token);
    expect(stored).not.toMatch(new RegExp(`(?<![0-9])${code}(?![0-9])`));
  });
});
