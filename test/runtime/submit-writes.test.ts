/**
 * Issue #24, item 1: a login-TOTP submit makes at most two writes (the attempt reservation that
 * carries the session's lease, and the save that commits the time step, the session, its timeline
 * and the lockout reset), on both stores, and keeps every guarantee the separate claim gave:
 * racing submits of one session across two stores get one success and 409s with nothing written
 * twice, a TOTP code is accepted once when two sessions carry it at once, a run that sends an SMS
 * holds the lease before sending.
 *
 * The writes are counted from outside the engine's code: on SQLite, the commit frames SQLite
 * appends to the WAL file (a second connection holds a read snapshot so no checkpoint resets
 * the WAL meanwhile); on PostgreSQL, the statements the `pg` client sends, each autocommit
 * statement that writes and each BEGIN…COMMIT holding one being one write. Both would count the
 * separate claim, attempt and time-step writes the engine made before (four per submit).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { ScureBase32Plugin, generate, generateSecret } from 'otplib';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describePostgres, freshSchema, type TestSchema } from '../helpers/postgres.js';
import { TestClock, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { enrolTotpUsers } from '../bench/login-totp-engine.js';
import { PHONE } from '../otp/otp-helpers.js';

const sampleJourney = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../journeys/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;

const plugins = { crypto: new NodeCryptoPlugin(), base32: new ScureBase32Plugin() };
const codeAt = (secret: string, clock: TestClock): Promise<string> => generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000), ...plugins });

/** Counts the writes made while `work` runs (a write: one committed transaction that changed something). */
type WriteCounter = <T>(work: () => Promise<T>) => Promise<{ value: T; writes: number }>;

/** SQLite: commit frames appended to the WAL while `work` runs, read from the file itself. */
function walCommitCounter(dataDir: string): WriteCounter {
  const file = join(dataDir, 'journeys.db');
  return async (work) => {
    // An open read snapshot that needs the WAL: the WAL cannot be reset (restarted) until it ends,
    // so frames only append. (A snapshot of a fully checkpointed WAL would read the database file
    // alone and pin nothing: one frame of our own, written in the same tick, makes it need the WAL.)
    const marker = new Database(file, { fileMustExist: true });
    const reader = new Database(file, { readonly: true, fileMustExist: true });
    marker.exec('CREATE TABLE IF NOT EXISTS test_wal_marker (at INTEGER); INSERT INTO test_wal_marker VALUES (1)');
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM test_wal_marker').get();
    marker.close();
    try {
      const before = walCommits(`${file}-wal`);
      const value = await work();
      return { value, writes: walCommits(`${file}-wal`) - before };
    } finally {
      reader.exec('COMMIT');
      reader.close();
    }
  };
}

/** The commit frames of the WAL's current generation (frames whose salts match the header's). */
function walCommits(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(size);
    readSync(fd, buffer, 0, size, 0);
    if (size < 32) return 0;
    const pageSize = buffer.readUInt32BE(8);
    const [salt1, salt2] = [buffer.readUInt32BE(16), buffer.readUInt32BE(20)];
    let commits = 0;
    for (let at = 32; at + 24 + pageSize <= size; at += 24 + pageSize) {
      if (buffer.readUInt32BE(at + 8) !== salt1 || buffer.readUInt32BE(at + 12) !== salt2) break;
      // Bytes 4-7 of a frame header: the database size after a commit, 0 for the other frames.
      if (buffer.readUInt32BE(at + 4) !== 0) commits++;
    }
    return commits;
  } finally {
    closeSync(fd);
  }
}

/**
 * PostgreSQL: the statements every `pg` client of this process sends while `work` runs (the
 * engine's pool; the test sends none meanwhile). A write is an autocommit statement that inserts,
 * updates or deletes, or a transaction (BEGIN … COMMIT) holding one.
 */
function pgStatementCounter(): WriteCounter {
  return async <T,>(work: () => Promise<T>) => {
    const original = pg.Client.prototype.query;
    const open = new WeakMap<object, { wrote: boolean }>();
    let writes = 0;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text ?? '';
      const transaction = open.get(this);
      if (/^\s*BEGIN/i.test(text)) open.set(this, { wrote: false });
      else if (/^\s*(COMMIT|ROLLBACK)/i.test(text)) {
        if (transaction?.wrote) writes++;
        open.delete(this);
      } else if (/\b(INSERT|UPDATE|DELETE)\b/i.test(text)) {
        if (transaction) transaction.wrote = true;
        else writes++;
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      const value = await work();
      return { value, writes };
    } finally {
      pg.Client.prototype.query = original;
    }
  };
}

interface Setup {
  /** Two engines on one database (as two server processes), and the writes counter for it. */
  a: TestServer;
  b: TestServer;
  clock: TestClock;
  count: WriteCounter;
  kind: 'sqlite' | 'postgres';
}

function submitWriteSuite(kind: 'sqlite' | 'postgres', open: () => Promise<Setup>, close: () => Promise<void>): void {
  let s: Setup;
  const secrets = Array.from({ length: 12 }, () => generateSecret(plugins));
  let nextUser = 0;
  /** A user enrolled with an authenticator app (user<i>, secrets[i]). */
  const newUser = () => nextUser++;

  beforeAll(async () => {
    s = await open();
    await s.a.publish(sampleJourney('login-totp'));
    await s.a.publish(sampleJourney('sms-otp'));
    const secretKey = s.a.engine.config.secretKey.toString('hex');
    await enrolTotpUsers(s.a.engine, secretKey, secrets);
  });
  afterAll(close);
  afterEach(() => s.clock.advance(60));

  it(`a login-TOTP submit writes at most twice (${kind}), and the counter sees a lone write`, async () => {
    // A process's first token creates its signing key: once per process, not per submit.
    const warmUp = newUser();
    const warm = await startSession(s.a, 'login-totp');
    const warmed = await submit(s.a, warm.body, 'login', 'totp', { username: `user${warmUp}`, totp_code: await codeAt(secrets[warmUp], s.clock) });
    expect(warmed.body).toMatchObject({ status: 'completed' });

    const user = newUser();
    const started = await startSession(s.a, 'login-totp');
    const code = await codeAt(secrets[user], s.clock);
    const { value: done, writes } = await s.count(() => submit(s.a, started.body, 'login', 'totp', { username: `user${user}`, totp_code: code }));
    expect(done.body, JSON.stringify(done.body)).toMatchObject({ status: 'completed', result: { claims: { username: `user${user}` } } });
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(2);
    // Everything the submit promised is stored: the time step, the reset count, the ended session.
    const authenticator = (await s.a.engine.store.authenticators.listByUser((await s.a.engine.store.users.findByUsername(`user${user}`))!.id))[0];
    expect(authenticator.lastTimeStep).toBe(Math.floor(s.clock.now().getTime() / 30_000));
    expect(await s.a.engine.store.sessions.get(started.body.sessionId)).toMatchObject({ status: 'completed', leaseUntil: null });

    // The counter is not blind: a claim on its own is one write.
    const other = await startSession(s.a, 'login-totp');
    const record = (await s.a.engine.store.sessions.get(other.body.sessionId))!;
    const lone = await s.count(() => s.a.engine.store.sessions.claim(record.id, record.revision, s.clock.now().toISOString(), s.clock.now().toISOString()));
    expect(lone.writes).toBe(1);
  });

  it(`two submits of one session on two stores at once (${kind}): one wins, the other 409, nothing written twice`, async () => {
    for (let round = 0; round < 3; round++) {
      const user = newUser();
      const started = await startSession(s.a, 'login-totp');
      const code = await codeAt(secrets[user], s.clock);
      const body = { username: `user${user}`, totp_code: code };
      const answers = await Promise.all([submit(s.a, started.body, 'login', 'totp', body), submit(s.b, started.body, 'login', 'totp', body)]);
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses, JSON.stringify(answers.map((r) => r.body))).toEqual([200, 409]);
      const won = answers.find((r) => r.status === 200)!;
      expect(won.body).toMatchObject({ status: 'completed' });
      expect(['conflict', 'stale_step', 'session_ended']).toContain(answers.find((r) => r.status === 409)!.body.error.code);
      const timeline = await s.a.engine.store.timelines.list(started.body.sessionId);
      expect(timeline.filter((e) => e.event === 'submitted')).toHaveLength(1);
      expect(timeline.filter((e) => e.event === 'ended')).toHaveLength(1);
      // The loser reserved nothing (or its reservation was the winner's, reset by its save).
      const userId = (await s.a.engine.store.users.findByUsername(`user${user}`))!.id;
      expect((await s.a.engine.store.attempts.listBySubject(userId)).map((a) => a.failures)).toEqual([0]);
      s.clock.advance(60);
    }
  });

  it(`two sessions of one user carrying one TOTP code at once (${kind}): exactly one accepted`, async () => {
    for (let round = 0; round < 3; round++) {
      const user = newUser();
      const [first, second] = await Promise.all([startSession(s.a, 'login-totp'), startSession(s.b, 'login-totp')]);
      const code = await codeAt(secrets[user], s.clock);
      const body = { username: `user${user}`, totp_code: code };
      const answers = await Promise.all([submit(s.a, first.body, 'login', 'totp', body), submit(s.b, second.body, 'login', 'totp', body)]);
      expect(answers.map((r) => r.status)).toEqual([200, 200]);
      const completed = answers.filter((r) => r.body.status === 'completed');
      expect(completed, JSON.stringify(answers.map((r) => r.body))).toHaveLength(1);
      const refused = answers.find((r) => r.body.status !== 'completed')!;
      expect(refused.body).toMatchObject({ status: 'waiting', step: { id: 'login' }, error: { code: 'invalid_code' } });
      s.clock.advance(60);
    }
  });

  it(`a guard that loses rolls the save back and the submit runs again, finding the code used (${kind})`, async () => {
    const user = newUser();
    const username = `user${user}`;
    const code = await codeAt(secrets[user], s.clock);
    const first = await startSession(s.a, 'login-totp');
    const second = await startSession(s.a, 'login-totp');
    expect((await submit(s.a, first.body, 'login', 'totp', { username, totp_code: code })).body).toMatchObject({ status: 'completed' });

    // The second submit's first run reads the authenticator as it was before the first login (as
    // if it had read it just before that login committed): its code checks, its save's guard fails.
    const authenticators = s.a.engine.store.authenticators;
    const listByUser = authenticators.listByUser.bind(authenticators);
    let reads = 0;
    authenticators.listByUser = async (userId) => {
      const listed = await listByUser(userId);
      return reads++ === 0 ? listed.map((a) => ({ ...a, lastTimeStep: null })) : listed;
    };
    try {
      const refused = await submit(s.a, second.body, 'login', 'totp', { username, totp_code: code });
      expect(refused.body).toMatchObject({ status: 'waiting', step: { id: 'login' }, error: { code: 'invalid_code' } });
    } finally {
      authenticators.listByUser = listByUser;
    }
    expect(reads).toBe(2);
    // The rolled-back run left nothing: one run on the timeline, answered as a replay.
    const timeline = await s.a.engine.store.timelines.list(second.body.sessionId);
    expect(timeline.filter((e) => e.event === 'submitted')).toHaveLength(1);
    expect(timeline.some((e) => e.event === 'ended')).toBe(false);
  });

  it(`a run that sends an SMS holds the lease before sending: a submit meanwhile gets 409, one message (${kind})`, async () => {
    const started = await startSession(s.a, 'sms-otp');
    const outbox = s.a.engine.store.outbox;
    const add = outbox.add.bind(outbox);
    const seen: Array<{ leaseUntil: string | null; concurrent: number }> = [];
    outbox.add = async (message) => {
      const held = await s.b.engine.store.sessions.get(started.body.sessionId);
      const concurrent = await submit(s.b, started.body, 'phone', 'send', { phoneNumber: PHONE });
      seen.push({ leaseUntil: held!.leaseUntil, concurrent: concurrent.status });
      return add(message);
    };
    try {
      const sent = await submit(s.a, started.body, 'phone', 'send', { phoneNumber: PHONE });
      expect(sent.body, JSON.stringify(sent.body)).toMatchObject({ status: 'waiting', step: { id: 'otp' } });
    } finally {
      outbox.add = add;
    }
    expect(seen).toHaveLength(1);
    expect(seen[0].leaseUntil).not.toBeNull();
    expect(seen[0].concurrent).toBe(409);
    expect(await outbox.list({ sessionId: started.body.sessionId, limit: 10 })).toHaveLength(1);
  });
}

describe('writes per submit on SQLite', () => {
  let a: TestServer | undefined;
  let b: TestServer | undefined;
  submitWriteSuite(
    'sqlite',
    async () => {
      const clock = new TestClock();
      const env = { SECRET_KEY: randomBytes(32).toString('hex') };
      a = await startTestServer({ env, clock });
      // A second engine on the same file: a second connection, as a second process would have.
      b = await startTestServer({ env, clock, dataDir: a.dataDir });
      return { a, b, clock, count: walCommitCounter(a.dataDir), kind: 'sqlite' };
    },
    async () => {
      await b?.close();
      await a?.close({ remove: true });
    },
  );
});

describePostgres('writes per submit on PostgreSQL', (url) => {
  let schema: TestSchema;
  let a: TestServer | undefined;
  let b: TestServer | undefined;
  submitWriteSuite(
    'postgres',
    async () => {
      schema = freshSchema(url);
      const clock = new TestClock();
      const env = { DATABASE_URL: schema.url, SECRET_KEY: randomBytes(32).toString('hex') };
      a = await startTestServer({ env, clock });
      b = await startTestServer({ env, clock });
      return { a, b, clock, count: pgStatementCounter(), kind: 'postgres' };
    },
    async () => {
      await a?.close({ remove: true });
      await b?.close({ remove: true });
      await schema?.drop();
    },
  );
});
