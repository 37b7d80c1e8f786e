/**
 * The six attacks of the hardening review (issue "Hardening"), run one after another against one
 * real server on loopback, as an anonymous caller would. During each, `/healthz` is polled: it
 * answers within 100 ms; no answer of the attack is a 5xx; and what the attack must not leave
 * behind (a code, a huge value, a lockout that shuts the owner out, a message sent past a limit)
 * is not there. The finer cases of each attack have their own suites (redos, run-budget,
 * outbound-http, totp-secrets, security-headers, file-modes, send-abuse, lockout-abuse).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSession, startTestServer, submit, type HttpResult, type TestServer } from '../helpers/test-server.js';
import { bestOfThree } from '../helpers/health-probe.js';
import { loadSampleJourney } from '../helpers/journeys.js';
import { authJourney, codeNow, enrolUser, quickEnrolJourney, wrongCode } from '../totp-http/totp-helpers.js';
import { outbox } from '../otp/otp-helpers.js';

const SEND_LIMIT_PER_CLIENT = 5;

let server: TestServer;
let target: Server;
const targetHits: string[] = [];

beforeAll(async () => {
  target = createServer((req, res) => {
    targetHits.push(req.url ?? '');
    res.end('{"secret":"internal"}');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  server = await startTestServer({
    env: {
      // The defaults an install runs with: no allow-list, so only public addresses are reachable.
      HTTP_ALLOWED_HOSTS: '',
      OTP_SEND_LIMIT_PER_CLIENT: `${SEND_LIMIT_PER_CLIENT}/3600`,
    },
  });
  await server.publish(quickEnrolJourney());
  await server.publish(loadSampleJourney('login-totp'));
  await server.publish(loadSampleJourney('sms-otp'));
  await server.publish(authJourney('auth-with-recovery', { allowRecoveryCodes: true }));
});

afterAll(async () => {
  await server.close({ remove: true });
  await new Promise((resolve) => target.close(resolve));
});

/**
 * The attack under a health probe (test/helpers/health-probe.ts): no answer of any run is a 5xx,
 * and in the best of up to three runs every /healthz answered within 100 ms.
 */
async function underAttack(attack: () => Promise<HttpResult[]>): Promise<HttpResult[]> {
  const best = await bestOfThree(server.url, async () => {
    const answers = await attack();
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
    return answers;
  });
  expect(best.checks).toBeGreaterThan(0);
  expect(best.slowestMs).toBeLessThan(100);
  return best.result;
}

function databaseBytes(): Buffer {
  return Buffer.concat(
    ['journeys.db', 'journeys.db-wal'].map((file) => join(server.dataDir, file)).filter((path) => existsSync(path)).map((path) => readFileSync(path)),
  );
}

function databaseSize(): number {
  return ['journeys.db', 'journeys.db-wal'].reduce((sum, file) => sum + (statSync(join(server.dataDir, file), { throwIfNoEntry: false })?.size ?? 0), 0);
}

let journeyCount = 0;
async function publishPublic(steps: Record<string, unknown>, start = Object.keys(steps)[0]): Promise<string> {
  const id = `hostile-${++journeyCount}`;
  await server.publish({ id, start, settings: { public: true }, steps });
  return id;
}

describe('1. a regular expression meets hostile text', () => {
  it('a public form whose pattern is ^(a+)+$, answered with 30 "a"s and "!": a prompt 422', async () => {
    const id = await publishPublic({
      ask: {
        type: 'form',
        config: { outputVariable: 'answer', options: [{ id: 'go', schema: { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } } }] },
        branches: { go: 'done' },
      },
      done: { type: 'complete', config: { claims: { ok: true } } },
    });
    const [answer] = await underAttack(async () => {
      const session = (await startSession(server, id)).body;
      return [await submit(server, session, 'ask', 'go', { name: 'a'.repeat(30) + '!' })];
    });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('validation_failed');
  });

  it('$match(x, /^(a+)+$/) on 28 "a"s and "!": answered at once, no match', async () => {
    const id = await publishPublic({
      compute: { type: 'set-variables', config: { assign: { n: '{% $count($match($input.x, /^(a+)+$/)) %}' } }, branches: { next: 'done' } },
      done: { type: 'complete', config: { claims: { n: '{% n %}' } } },
    });
    const [answer] = await underAttack(async () => [await startSession(server, id, { input: { x: 'a'.repeat(28) + '!' } })]);
    expect(answer.body).toMatchObject({ status: 'completed', result: { claims: { n: 0 } } });
  });
});

describe('2. budgets per request and per value', () => {
  it('40 chained steps, each a heavy expression, from one anonymous start: budget_exceeded', async () => {
    const steps: Record<string, unknown> = {};
    for (let i = 0; i < 40; i++) {
      steps[`s${i}`] = { type: 'set-variables', config: { assign: { [`v${i}`]: "{% $count([1..30000].($string($) & 'x')) %}" } }, branches: { next: i < 39 ? `s${i + 1}` : 'done' } };
    }
    steps.done = { type: 'complete', config: { claims: { ok: true } } };
    const id = await publishPublic(steps, 's0');
    const [answer] = await underAttack(async () => [await startSession(server, id)]);
    expect(answer.body).toMatchObject({ status: 'failed', error: { code: 'budget_exceeded' } });
  });

  it("$pad('', 5e7) and $pad('', 2e8) in claims: expression_error, never a 500, nothing large stored", async () => {
    const ids = [await publishPublic({ done: { type: 'complete', config: { claims: { big: "{% $pad('', 5e7) %}" } } } }), await publishPublic({ done: { type: 'complete', config: { claims: { big: "{% $pad('', 2e8) %}" } } } })];
    const before = databaseSize();
    const answers = await underAttack(async () => Promise.all(ids.map((id) => startSession(server, id))));
    for (const answer of answers) expect(answer.body).toMatchObject({ status: 'failed', error: { code: 'expression_error' } });
    expect(databaseSize() - before).toBeLessThan(5_000_000);
  });
});

describe('3. a request to the server itself through an IPv6 spelling', () => {
  it('http.request to http://[::127.0.0.1]:PORT/ fails host_not_allowed and reaches nothing', async () => {
    const port = (target.address() as AddressInfo).port;
    const id = await publishPublic({
      call: { type: 'http.request', config: { url: `http://[::127.0.0.1]:${port}/internal`, outputVariable: 'response' }, errorOutputVariable: 'err', branches: { success: 'done', failure: 'refused' } },
      done: { type: 'complete', config: { claims: { reached: true } } },
      refused: { type: 'complete', config: { claims: { code: '{% err.code %}' } } },
    });
    const [answer] = await underAttack(async () => [await startSession(server, id)]);
    expect(answer.body).toMatchObject({ status: 'completed', result: { claims: { code: 'host_not_allowed' } } });
    expect(targetHits).toEqual([]);
  });
});

describe('4. codes at rest', () => {
  it('after a login-totp sign-in, neither the database file nor its WAL holds the code', async () => {
    const enrolled = await enrolUser(server, 'at-rest');
    const codes: string[] = [];
    const answers = await underAttack(async () => {
      server.clock.advance(30);
      const code = await codeNow(enrolled.secret, server.clock);
      codes.push(code);
      const session = (await startSession(server, 'login-totp')).body;
      return [await submit(server, session, 'login', 'totp', { username: 'at-rest', totp_code: code })];
    });
    expect(answers[0].body.status, JSON.stringify(answers[0].body)).toBe('completed');
    const bytes = databaseBytes();
    for (const code of codes) expect(bytes.includes(Buffer.from(`"${code}"`)), `code ${code} at rest`).toBe(false);
  });
});

describe('5. headers and files', () => {
  it('answers carrying a TOTP secret, recovery codes, session tokens and JWTs are no-store and nosniff', async () => {
    const answers = await underAttack(async () => {
      const started = await startSession(server, 'quick-enrol');
      const shown = await submit(server, started.body, 'who', 'next', { username: `headers-${Date.now()}-${Math.random()}` });
      const done = await submit(server, started.body, 'enrol', 'continue');
      return [started, shown, done];
    });
    const [started, shown, done] = answers;
    expect(started.body.sessionToken).toEqual(expect.any(String));
    expect(shown.body.step.data.secret).toEqual(expect.any(String));
    expect(done.body.result.token).toEqual(expect.any(String));
    for (const answer of answers) {
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('the database and the generated secret key are readable by their owner only', () => {
    for (const file of ['journeys.db', 'secret-key']) {
      expect(statSync(join(server.dataDir, file)).mode & 0o777, file).toBe(0o600);
    }
  });
});

describe('6. abuse of lockouts and sends', () => {
  it("5 anonymous wrong codes lock someone's app, but not the owner out: a recovery code gets in", async () => {
    const enrolled = await enrolUser(server, 'locked-out');
    const login = async (code: string) => {
      const session = (await startSession(server, 'auth-with-recovery')).body;
      return submit(server, session, 'login', 'go', { username: 'locked-out', code });
    };
    await underAttack(async () => {
      const answers: HttpResult[] = [];
      for (let i = 0; i < 5; i++) answers.push(await login(await wrongCode(enrolled.secret, server.clock)));
      return answers;
    });
    server.clock.advance(30);
    expect((await login(await codeNow(enrolled.secret, server.clock))).body.error.code).toBe('locked');
    const recovered = await login(enrolled.recoveryCodes[0]);
    expect(recovered.body.status, JSON.stringify(recovered.body)).toBe('completed');
  });

  it('a replayed valid code is refused and never counts towards the lockout', async () => {
    const enrolled = await enrolUser(server, 'replayed-here');
    const login = async (code: string) => {
      const session = (await startSession(server, 'auth-with-recovery')).body;
      return submit(server, session, 'login', 'go', { username: 'replayed-here', code });
    };
    server.clock.advance(30);
    const code = await codeNow(enrolled.secret, server.clock);
    expect((await login(code)).body.status).toBe('completed');
    const replays = await underAttack(async () => Promise.all(Array.from({ length: 8 }, () => login(code))));
    for (const replay of replays) expect(replay.body.status).not.toBe('completed');
    server.clock.advance(30);
    expect((await login(await codeNow(enrolled.secret, server.clock))).body.status).toBe('completed');
  });

  it('the public sms-otp sample sends to many numbers from one address: only the per-client limit goes out', async () => {
    const before = (await outbox(server)).body.length as number;
    const sendTo = async (phoneNumber: string) => {
      const session = (await startSession(server, 'sms-otp')).body;
      return submit(server, session, 'phone', 'send', { phoneNumber });
    };
    const answers = await underAttack(async () => {
      // A country the sample does not send to is refused before any message, limit or not.
      const sent = [await sendTo('+74951234567')];
      for (let i = 0; i < 12; i++) sent.push(await sendTo(`+1415555${2000 + i}`));
      return sent;
    });
    expect(answers[0].body).toMatchObject({ status: 'rejected', error: { code: 'country_not_allowed' } });
    for (const answer of answers.slice(1)) {
      if (answer.body.status !== 'waiting') expect(answer.body).toMatchObject({ status: 'rejected', error: { code: 'rate_limited' } });
    }
    expect(answers.some((answer) => answer.body.error?.code === 'rate_limited')).toBe(true);
    // However many runs it took, no more went out than the limit.
    expect(((await outbox(server)).body.length as number) - before).toBe(SEND_LIMIT_PER_CLIENT);
  });
});
