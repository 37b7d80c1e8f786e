/**
 * email.link over real HTTP against a real engine: the link in the dev outbox, the device cookie,
 * GET that changes nothing, the same-device POST that moves the session on and proves `email`,
 * single use, expiry, other devices (refused, or with the code: three wrong codes block it),
 * resend replacing the link, sessions that no longer wait, and bad input answered with pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import { EMAIL, PUBLIC_URL, createUser, getSession, linkJourney, linkToken, mails, openLink, otherCookie, start, submitAs } from './link-helpers.js';

describe('email.link over HTTP', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { PUBLIC_URL, OTP_SEND_LIMIT: '100/900' } });
    await createUser(server);
    await createUser(server, 'bob@example.com');
    await server.publish(linkJourney('link-same'));
    await server.publish(linkJourney('link-other', { allowOtherDevice: true }));
    await server.publish(linkJourney('link-resend', { resendCooldownSeconds: 30, maxResends: 1 }));
    await server.publish(linkJourney('link-short-session', { ttlSeconds: 600 }, { sessionTtlSeconds: 120 }));
  });
  afterAll(() => server.close({ remove: true }));

  describe('sending', () => {
    it('start sets the device cookie, waits at the step and mails one link to the address', async () => {
      const started = await start(server, 'link-same');
      expect(started.status).toBe(200);
      expect(started.cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const cookie = started.setCookie.find((c) => c.startsWith('journey_device='))!;
      expect(cookie).toMatch(/; Path=\//);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      expect(cookie).toMatch(/; Max-Age=\d{7,}/);
      // Served over plain http: not Secure (the browser would drop it).
      expect(cookie).not.toMatch(/; Secure/);

      const { body } = started;
      expect(body.status).toBe('waiting');
      expect(body.step).toMatchObject({ id: 'link', type: 'email.link', name: 'Check your email' });
      expect(body.step.data).toEqual({
        sentTo: 'a••••@example.com',
        expiresAt: new Date(server.clock.now().getTime() + 600_000).toISOString(),
        resendAvailableAt: new Date(server.clock.now().getTime() + 30_000).toISOString(),
        resendsLeft: 3,
      });
      expect(body.step.options.map((o: { id: string }) => o.id)).toEqual(['check', 'resend']);
      expect(body.step.options.every((o: { schema?: unknown }) => o.schema === undefined)).toBe(true);

      const sent = await mails(server, body.sessionId);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ channel: 'email', to: EMAIL });
      const token = await linkToken(server, body.sessionId);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(sent[0].body).toContain(`${PUBLIC_URL}/v1/links/${token}`);
      expect(sent[0].body).toContain('10 minutes');
      // The token is in the email only: not in the step response, not in the stored session.
      expect(JSON.stringify(body)).not.toContain(token);
      const stored = await server.engine.store.sessions.get(body.sessionId);
      expect(JSON.stringify(stored)).not.toContain(token);
    });

    it('a request that carries a device cookie keeps it (no new cookie); a submit without one gets one', async () => {
      const cookie = otherCookie();
      const started = await start(server, 'link-same', EMAIL, cookie);
      expect(started.setCookie).toEqual([]);
      const withCookie = await submitAs(server, started.body, 'check', cookie);
      expect(withCookie.setCookie).toEqual([]);
      const without = await submitAs(server, started.body, 'check');
      expect(without.setCookie.some((c) => /^journey_device=[A-Za-z0-9_-]{43};/.test(c))).toBe(true);
      // A malformed cookie is not ours: replaced.
      const malformed = await start(server, 'link-same', EMAIL, 'not-a-device-cookie');
      expect(malformed.cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('an address that is not one fails the step invalid_email', async () => {
      await server.engine.store.users.create({ id: 'u-bad', username: 'bad-address', attributes: { email: 'not an address' }, createdAt: server.clock.now().toISOString() });
      const started = await start(server, 'link-same', 'bad-address');
      expect(started.body.status).toBe('rejected');
      expect(started.body.error).toEqual({ code: 'invalid_email', message: 'the email address is not valid' });
    });
  });

  describe('in the browser that started', () => {
    it('GET shows one button and changes nothing; check before the link is used is refused link_not_used', async () => {
      const started = await start(server, 'link-same');
      const token = await linkToken(server, started.body.sessionId);
      const before = await server.engine.store.sessions.get(started.body.sessionId);

      for (let i = 0; i < 3; i++) {
        const page = await openLink(server, token, { method: 'GET', cookie: started.cookie });
        expect(page.status).toBe(200);
        expect(page.outcome).toBe('confirm');
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(page.html.match(/<form/g)).toHaveLength(1);
        expect(page.html.match(/<button/g)).toHaveLength(1);
        expect(page.html).toContain('<form method="post">');
        expect(page.html).not.toContain('<script');
        expect(page.html).not.toContain(token);
        expect(page.headers.get('cache-control')).toBe('no-store');
        expect(page.headers.get('referrer-policy')).toBe('no-referrer');
        const csp = page.headers.get('content-security-policy')!;
        expect(csp).toContain("default-src 'none'");
        expect(csp).not.toContain('script-src');
        expect(csp).not.toContain('unsafe-inline');
        expect(csp).toContain("frame-ancestors 'none'");
      }
      // A GET without any cookie (a mail scanner) changes nothing either.
      expect((await openLink(server, token, { method: 'GET' })).status).toBe(200);

      const after = await server.engine.store.sessions.get(started.body.sessionId);
      expect(after).toEqual(before);
      const waiting = await getSession(server, started.body);
      expect(waiting.body.status).toBe('waiting');

      const early = await submitAs(server, started.body, 'check', started.cookie!);
      expect(early.status).toBe(200);
      expect(early.body.status).toBe('waiting');
      expect(early.body.error).toEqual({ code: 'link_not_used', message: 'the link has not been opened yet' });

      // The link still works after all that.
      expect((await openLink(server, token, { cookie: started.cookie })).outcome).toBe('done');
    });

    it('POST proves the link: the session moves on by itself, $auth and the token amr carry email', async () => {
      const started = await start(server, 'link-same');
      const token = await linkToken(server, started.body.sessionId);
      const page = await openLink(server, token, { cookie: started.cookie });
      expect(page.status).toBe(200);
      expect(page.outcome).toBe('done');
      expect(page.html).toContain('Done — continue in the window where you started');
      expect(page.headers.get('cache-control')).toBe('no-store');

      const done = await getSession(server, started.body);
      expect(done.body.status).toBe('completed');
      expect(done.body.result.claims).toEqual({ email: EMAIL, amr: ['email'] });
      const validated = await server.request('POST', '/v1/tokens/validate', { body: { token: done.body.result.token, requireAmr: ['email'] }, token: ADMIN_KEY });
      expect(validated.status).toBe(200);
      expect(validated.body.valid).toBe(true);
      expect(validated.body.amr).toEqual(['email']);
      expect(validated.body.userId).toBe(`user-${EMAIL}`);
    });

    it("a link to an address that is not the user's own proves who holds it, not the user: no email in amr, no sub", async () => {
      const typed = linkJourney('link-typed', { to: '{% $input.to %}' });
      await server.publish(typed);
      const response = await fetch(`${server.url}/v1/journeys/link-typed/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: { email: EMAIL, to: 'mallory@example.net' } }),
      });
      const started = { body: await response.json(), cookie: /journey_device=([^;]*)/.exec(response.headers.getSetCookie().join())![1] };
      expect(started.body.step.data.sentTo).toBe('m••••••@example.net');
      const token = await linkToken(server, started.body.sessionId);
      expect((await openLink(server, token, { cookie: started.cookie })).outcome).toBe('done');
      const done = await getSession(server, started.body);
      expect(done.body.status).toBe('completed');
      expect(done.body.result.claims.email).toBe('mallory@example.net');
      expect(done.body.result.claims.amr ?? []).toEqual([]);
      const validated = await server.request('POST', '/v1/tokens/validate', { body: { token: done.body.result.token }, token: ADMIN_KEY });
      expect(validated.body.valid).toBe(true);
      expect(validated.body.amr).toEqual([]);
      expect(validated.body.userId).toBeNull();
    });

    it('a second POST answers 410 and changes nothing', async () => {
      const started = await start(server, 'link-same');
      const token = await linkToken(server, started.body.sessionId);
      expect((await openLink(server, token, { cookie: started.cookie })).status).toBe(200);
      const before = await server.engine.store.sessions.get(started.body.sessionId);
      const again = await openLink(server, token, { cookie: started.cookie });
      expect(again.status).toBe(410);
      expect(again.outcome).toBe('used');
      expect(again.html).toContain('already used');
      expect((await openLink(server, token, { method: 'GET', cookie: started.cookie })).status).toBe(410);
      expect(await server.engine.store.sessions.get(started.body.sessionId)).toEqual(before);
    });

    it('ten POSTs at once: one proves the link, the others are refused', async () => {
      const started = await start(server, 'link-same');
      const token = await linkToken(server, started.body.sessionId);
      const pages = await Promise.all(Array.from({ length: 10 }, () => openLink(server, token, { cookie: started.cookie })));
      expect(pages.filter((p) => p.outcome === 'done')).toHaveLength(1);
      for (const page of pages.filter((p) => p.outcome !== 'done')) expect([409, 410]).toContain(page.status);
      expect((await getSession(server, started.body)).body.status).toBe('completed');
    });

    it('an expired link answers 410 (GET and POST), and check then fails the step link_expired', async () => {
      const started = await start(server, 'link-same');
      const token = await linkToken(server, started.body.sessionId);
      server.clock.advance(600);
      const page = await openLink(server, token, { cookie: started.cookie });
      expect(page.status).toBe(410);
      expect(page.outcome).toBe('expired');
      expect((await openLink(server, token, { method: 'GET', cookie: started.cookie })).status).toBe(410);
      expect((await getSession(server, started.body)).body.status).toBe('waiting');
      const checked = await submitAs(server, started.body, 'check', started.cookie!);
      expect(checked.body.status).toBe('rejected');
      expect(checked.body.error).toEqual({ code: 'link_expired', message: 'the link has expired' });
    });
  });

  describe('in another browser', () => {
    it('allowOtherDevice false: 403 with or without a cookie, the session still waits and the link still works where it started', async () => {
      const started = await start(server, 'link-same');
      const token = await linkToken(server, started.body.sessionId);
      for (const cookie of [null, otherCookie()]) {
        const page = await openLink(server, token, { cookie });
        expect(page.status).toBe(403);
        expect(page.outcome).toBe('other_device');
        expect(page.html).toContain('Open this link in the browser where you started');
      }
      // A code does not open it either: there is none.
      expect((await openLink(server, token, { cookie: otherCookie(), code: '123456' })).status).toBe(403);
      expect((await getSession(server, started.body)).body.status).toBe('waiting');
      expect((await openLink(server, token, { cookie: started.cookie })).outcome).toBe('done');
    });

    it('allowOtherDevice true: the first screen shows a code; the other browser types it and the session moves on', async () => {
      const started = await start(server, 'link-other');
      const code = started.body.step.data.code;
      expect(code).toMatch(/^\d{6}$/);
      const token = await linkToken(server, started.body.sessionId);
      const sent = await mails(server, started.body.sessionId);
      // The code proves "I can see the first screen": never in the email.
      expect(sent[0].body).not.toContain(code);

      const phone = otherCookie();
      const asked = await openLink(server, token, { cookie: phone });
      expect(asked.status).toBe(200);
      expect(asked.outcome).toBe('code');
      expect(asked.html).toContain('name="code"');
      expect((await getSession(server, started.body)).body.status).toBe('waiting');

      const done = await openLink(server, token, { cookie: phone, code: ` ${code.slice(0, 3)} ${code.slice(3)} ` });
      expect(done.status).toBe(200);
      expect(done.outcome).toBe('done_other_device');
      expect(done.html).toContain('return to your other device');
      const completed = await getSession(server, started.body);
      expect(completed.body.status).toBe('completed');
      expect(completed.body.result.claims.amr).toEqual(['email']);
    });

    it('three wrong codes block the link: the right code, the first browser and check no longer work', async () => {
      const started = await start(server, 'link-other');
      const code: string = started.body.step.data.code;
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      const token = await linkToken(server, started.body.sessionId);
      const attacker = otherCookie();

      const first = await openLink(server, token, { cookie: attacker, code: wrong });
      expect(first.status).toBe(400);
      expect(first.outcome).toBe('wrong_code');
      expect(first.html).toContain('2 attempts left');
      expect((await openLink(server, token, { cookie: attacker, code: wrong })).html).toContain('1 attempt left');
      const third = await openLink(server, token, { cookie: attacker, code: wrong });
      expect(third.status).toBe(410);
      expect(third.outcome).toBe('blocked');

      expect((await openLink(server, token, { cookie: otherCookie(), code })).outcome).toBe('blocked');
      expect((await openLink(server, token, { cookie: started.cookie })).outcome).toBe('blocked');
      expect((await getSession(server, started.body)).body.status).toBe('waiting');
      const checked = await submitAs(server, started.body, 'check', started.cookie!);
      expect(checked.body.status).toBe('waiting');
      expect(checked.body.error.code).toBe('link_blocked');
      // The code is still shown while the step waits.
      expect(checked.body.step.data.code).toBe(code);
    });

    it('twenty wrong codes at once: at most three are compared, and the link is blocked', async () => {
      const started = await start(server, 'link-other');
      const code: string = started.body.step.data.code;
      const token = await linkToken(server, started.body.sessionId);
      const guesses = Array.from({ length: 20 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
      const pages = await Promise.all(guesses.map((guess) => openLink(server, token, { cookie: otherCookie(), code: guess })));
      expect(pages.filter((p) => p.outcome === 'wrong_code').length).toBeLessThanOrEqual(2);
      expect(pages.every((p) => p.outcome === 'wrong_code' || p.outcome === 'blocked')).toBe(true);
      const [link] = await Promise.all([server.engine.store.links.findByTokenHash((await import('../../engine/security/constant-time.js')).sha256(token))]);
      expect(link!.failures).toBe(3);
      expect((await openLink(server, token, { cookie: otherCookie(), code })).outcome).toBe('blocked');
    });

    it('the code form reads form bodies only: a JSON body is no code, an oversized one is a 400 page', async () => {
      const started = await start(server, 'link-other');
      const token = await linkToken(server, started.body.sessionId);
      const json = await openLink(server, token, { cookie: otherCookie(), body: JSON.stringify({ code: started.body.step.data.code }), contentType: 'application/json' });
      expect(json.status).toBe(200);
      expect(json.outcome).toBe('code');
      const huge = await openLink(server, token, { cookie: otherCookie(), body: `code=${'1'.repeat(5000)}` });
      expect(huge.status).toBe(400);
      expect(huge.outcome).toBe('bad_request');
      const long = await openLink(server, token, { cookie: otherCookie(), code: '1'.repeat(40) });
      expect(long.status).toBe(400);
      expect((await getSession(server, started.body)).body.status).toBe('waiting');
    });
  });

  describe('resend, unknown links and sessions that no longer wait', () => {
    it('resend mails a new link that replaces the old one (404), within the cooldown and the resend budget', async () => {
      const started = await start(server, 'link-resend');
      const first = await linkToken(server, started.body.sessionId);
      const tooSoon = await submitAs(server, started.body, 'resend', started.cookie!);
      expect(tooSoon.body.error.code).toBe('resend_unavailable');
      expect(await mails(server, started.body.sessionId)).toHaveLength(1);

      server.clock.advance(30);
      const resent = await submitAs(server, started.body, 'resend', started.cookie!);
      expect(resent.body.status).toBe('waiting');
      expect(resent.body.error).toBeNull();
      expect(resent.body.step.data.resendsLeft).toBe(0);
      expect(resent.body.step.data.expiresAt).toBe(new Date(server.clock.now().getTime() + 600_000).toISOString());
      expect(await mails(server, started.body.sessionId)).toHaveLength(2);
      const second = await linkToken(server, started.body.sessionId);
      expect(second).not.toBe(first);

      const old = await openLink(server, first, { cookie: started.cookie });
      expect(old.status).toBe(404);
      expect(old.outcome).toBe('unknown');
      server.clock.advance(30);
      expect((await submitAs(server, started.body, 'resend', started.cookie!)).body.error.code).toBe('resend_unavailable');
      expect((await openLink(server, second, { cookie: started.cookie })).outcome).toBe('done');
      expect((await getSession(server, started.body)).body.status).toBe('completed');
    });

    it('unknown and malformed tokens answer 404 pages', async () => {
      for (const token of ['A'.repeat(43), 'short', '%3Cscript%3E', 'x'.repeat(300)]) {
        for (const method of ['GET', 'POST'] as const) {
          const page = await openLink(server, token, { method });
          expect(page.status, `${method} ${token}`).toBe(404);
          expect(page.outcome).toBe('unknown');
          expect(page.html).not.toContain('<script>');
        }
      }
    });

    it('a session past its TTL: 409 page, nothing changes', async () => {
      const started = await start(server, 'link-short-session');
      const token = await linkToken(server, started.body.sessionId);
      server.clock.advance(121);
      const before = await server.engine.store.sessions.get(started.body.sessionId);
      const page = await openLink(server, token, { cookie: started.cookie });
      expect(page.status).toBe(409);
      expect(page.outcome).toBe('session_ended');
      expect((await openLink(server, token, { method: 'GET', cookie: started.cookie })).status).toBe(409);
      expect(await server.engine.store.sessions.get(started.body.sessionId)).toEqual(before);
      const link = await server.engine.store.links.findByTokenHash((await import('../../engine/security/constant-time.js')).sha256(token));
      expect(link!.usedAt).toBeNull();
    });

    it('a session that ended (its user was deleted): 409 page; the deletion removed nothing of the link', async () => {
      await createUser(server, 'carol@example.com');
      const started = await start(server, 'link-same', 'carol@example.com');
      const token = await linkToken(server, started.body.sessionId);
      const { sha256 } = await import('../../engine/security/constant-time.js');
      const link = await server.engine.store.links.findByTokenHash(sha256(token));
      expect((await server.admin('DELETE', `/v1/admin/users/${encodeURIComponent('user-carol@example.com')}`)).status).toBe(204);
      expect(await server.engine.store.sessions.get(started.body.sessionId)).toBeNull();
      const page = await openLink(server, token, { cookie: started.cookie });
      expect(page.status).toBe(409);
      expect(page.outcome).toBe('session_ended');
      expect(await server.engine.store.links.findByTokenHash(sha256(token))).toEqual(link);
    });

    it('a resend over the send limit ends the session rate_limited; the replaced link no longer opens', async () => {
      const limited = await startTestServer({ env: { PUBLIC_URL, OTP_SEND_LIMIT: '1/900' } });
      try {
        await createUser(limited);
        await limited.publish(linkJourney('link-limited', { resendCooldownSeconds: 0 }));
        const started = await start(limited, 'link-limited');
        const token = await linkToken(limited, started.body.sessionId);
        const resent = await submitAs(limited, started.body, 'resend', started.cookie!);
        expect(resent.body.status).toBe('rejected');
        expect(resent.body.error.code).toBe('rate_limited');
        expect(await mails(limited, started.body.sessionId)).toHaveLength(1);
        expect((await openLink(limited, token, { cookie: started.cookie })).status).toBe(404);
        expect((await getSession(limited, started.body)).body.status).toBe('rejected');
      } finally {
        await limited.close({ remove: true });
      }
    });

    it('a first send over the limit fails the step rate_limited', async () => {
      const limited = await startTestServer({ env: { PUBLIC_URL, OTP_SEND_LIMIT: '1/900' } });
      try {
        await createUser(limited);
        await limited.publish(linkJourney('link-limited'));
        expect((await start(limited, 'link-limited')).body.status).toBe('waiting');
        const second = await start(limited, 'link-limited');
        expect(second.body.status).toBe('rejected');
        expect(second.body.error.code).toBe('rate_limited');
      } finally {
        await limited.close({ remove: true });
      }
    });
  });
});
