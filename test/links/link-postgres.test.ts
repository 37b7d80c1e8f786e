/**
 * email.link on PostgreSQL with two engine instances (two server processes) on one schema: the
 * link sent by one opens on the other, once; ten POSTs split across both prove it exactly once.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePostgres, freshSchema } from '../helpers/postgres.js';
import { TestClock, startTestServer, type TestServer } from '../helpers/test-server.js';
import { EMAIL, PUBLIC_URL, createUser, getSession, linkJourney, linkToken, openLink, otherCookie, start } from './link-helpers.js';

describePostgres('email.link on PostgreSQL, two instances', (url) => {
  const schema = freshSchema(url);
  const clock = new TestClock();
  const env = { DATABASE_URL: schema.url, SECRET_KEY: randomBytes(32).toString('hex'), PUBLIC_URL };
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestServer({ env, clock }), startTestServer({ env, clock })]);
    expect(a.engine.store.kind).toBe('postgres');
    await createUser(a);
    await a.publish(linkJourney('pg-link'));
    await a.publish(linkJourney('pg-link-other', { allowOtherDevice: true }));
  });
  afterAll(async () => {
    await a?.close({ remove: true });
    await b?.close({ remove: true });
    await schema.drop();
  });

  it('sent by one instance, proved on the other; a second use is refused on either', async () => {
    const started = await start(a, 'pg-link');
    const token = await linkToken(a, started.body.sessionId);
    expect((await openLink(b, token, { method: 'GET', cookie: started.cookie })).status).toBe(200);
    expect((await openLink(b, token, { cookie: otherCookie() })).status).toBe(403);
    const done = await openLink(b, token, { cookie: started.cookie });
    expect(done.outcome).toBe('done');
    const session = await getSession(a, started.body);
    expect(session.body.status).toBe('completed');
    expect(session.body.result.claims).toEqual({ email: EMAIL, amr: ['email'] });
    expect((await openLink(a, token, { cookie: started.cookie })).status).toBe(410);
  });

  it('ten POSTs split across both instances: exactly one proves the link', async () => {
    const started = await start(b, 'pg-link');
    const token = await linkToken(b, started.body.sessionId);
    const pages = await Promise.all(Array.from({ length: 10 }, (_, i) => openLink(i % 2 ? a : b, token, { cookie: started.cookie })));
    expect(pages.filter((p) => p.outcome === 'done')).toHaveLength(1);
    expect((await getSession(a, started.body)).body.status).toBe('completed');
  });

  it('wrong codes from both instances block the link after three', async () => {
    const started = await start(a, 'pg-link-other');
    const code: string = started.body.step.data.code;
    const token = await linkToken(a, started.body.sessionId);
    const guesses = Array.from({ length: 12 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    const pages = await Promise.all(guesses.map((g, i) => openLink(i % 2 ? a : b, token, { cookie: otherCookie(), code: g })));
    expect(pages.filter((p) => p.outcome === 'wrong_code').length).toBeLessThanOrEqual(2);
    expect((await openLink(b, token, { cookie: otherCookie(), code })).outcome).toBe('blocked');
  });
});
