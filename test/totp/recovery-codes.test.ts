/**
 * Recovery codes: generation, hashing (one salt per batch, no plaintext), matching, and single use
 * in the SQLite RecoveryCodeStore.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { hashRecoveryCodes, looksLikeRecoveryCode, matchRecoveryCode, newRecoveryCodes } from '../../steps/totp-common/totp.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { RecoveryCodeRecord, Store } from '../../engine/store/store.js';
import { tempDataDir } from '../helpers/test-server.js';

const AT = '2026-01-15T10:00:00.000Z';
const LATER = '2026-01-15T10:05:00.000Z';
const LOOK_ALIKES = ['0', 'o', '1', 'l', 'i'];

describe('newRecoveryCodes', () => {
  it('gives n distinct codes of the form xxxxx-xxxxx', () => {
    for (const n of [1, 8, 10]) {
      const codes = newRecoveryCodes(n);
      expect(codes).toHaveLength(n);
      expect(new Set(codes).size).toBe(n);
      for (const code of codes) expect(code).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/);
    }
    expect(newRecoveryCodes(0)).toEqual([]);
  });

  it('uses no look-alike characters (0/o, 1/l/i) and no upper case, over many codes', () => {
    const codes = newRecoveryCodes(1000);
    expect(new Set(codes).size).toBe(1000);
    const seen = new Set(codes.join('').replace(/-/g, ''));
    for (const char of LOOK_ALIKES) expect(seen.has(char)).toBe(false);
    for (const char of seen) expect(char).toMatch(/^[a-z2-9]$/);
    // 10 000 draws: the whole 31-character alphabet shows up (a narrow alphabet would be weak).
    expect(seen.size).toBe(31);
  });

  it('are recognised by looksLikeRecoveryCode, with or without the dash and in any case', () => {
    const [code] = newRecoveryCodes(1);
    expect(looksLikeRecoveryCode(code)).toBe(true);
    expect(looksLikeRecoveryCode(code.toUpperCase())).toBe(true);
    expect(looksLikeRecoveryCode(code.replace('-', ''))).toBe(true);
    expect(looksLikeRecoveryCode('123456')).toBe(false);
  });
});

describe('hashRecoveryCodes', () => {
  it('stores no plaintext: no field of any record contains any code, with or without its dash', async () => {
    const codes = newRecoveryCodes(10);
    const records = await hashRecoveryCodes('user-1', codes, AT);
    expect(records).toHaveLength(10);
    const forms = codes.flatMap((c) => [c, c.replace('-', ''), c.toUpperCase(), c.replace('-', '').toUpperCase()]);
    for (const record of records) {
      for (const value of Object.values(record)) {
        if (typeof value !== 'string') continue;
        for (const form of forms) expect(value.toLowerCase()).not.toContain(form.toLowerCase());
      }
    }
  });

  it('fills the record: distinct ids, the user, the time, unused, a 32-byte hash per code', async () => {
    const codes = newRecoveryCodes(10);
    const records = await hashRecoveryCodes('user-1', codes, AT);
    expect(new Set(records.map((r) => r.id)).size).toBe(10);
    expect(new Set(records.map((r) => r.hash)).size).toBe(10);
    for (const r of records) {
      expect(r.userId).toBe('user-1');
      expect(r.createdAt).toBe(AT);
      expect(r.usedAt).toBeNull();
      expect(Buffer.from(r.hash, 'base64')).toHaveLength(32);
    }
  });

  it('uses one salt per batch (16 random bytes), and a new one for the next batch', async () => {
    const first = await hashRecoveryCodes('user-1', newRecoveryCodes(10), AT);
    const second = await hashRecoveryCodes('user-1', newRecoveryCodes(10), AT);
    expect(new Set(first.map((r) => r.salt)).size).toBe(1);
    expect(new Set(second.map((r) => r.salt)).size).toBe(1);
    expect(first[0].salt).not.toBe(second[0].salt);
    expect(Buffer.from(first[0].salt, 'base64')).toHaveLength(16);
  });

  it('gives the same code different hashes in different batches (salted)', async () => {
    const [code] = newRecoveryCodes(1);
    const [a] = await hashRecoveryCodes('user-1', [code], AT);
    const [b] = await hashRecoveryCodes('user-1', [code], AT);
    expect(a.hash).not.toBe(b.hash);
  });
});

describe('matchRecoveryCode', () => {
  it('finds the record of the code, regardless of case, dash and surrounding spaces', async () => {
    const codes = newRecoveryCodes(10);
    const records = await hashRecoveryCodes('user-1', codes, AT);
    for (const index of [0, 4, 9]) {
      const code = codes[index];
      for (const typed of [code, code.toUpperCase(), code.replace('-', ''), code.replace('-', '').toUpperCase(), `  ${code} `]) {
        const match = await matchRecoveryCode(typed, records);
        expect(match?.id).toBe(records[index].id);
      }
    }
  });

  it('answers null for a wrong code, a near miss, and a code of another batch', async () => {
    const codes = newRecoveryCodes(10);
    const records = await hashRecoveryCodes('user-1', codes, AT);
    const [foreign] = newRecoveryCodes(1);
    if (!codes.includes(foreign)) expect(await matchRecoveryCode(foreign, records)).toBeNull();
    // One character changed.
    const code = codes[0];
    const swapped = code[0] === 'a' ? `b${code.slice(1)}` : `a${code.slice(1)}`;
    if (!codes.includes(swapped)) expect(await matchRecoveryCode(swapped, records)).toBeNull();
    // Only half of a code.
    expect(await matchRecoveryCode(code.slice(0, 5), records)).toBeNull();
    expect(await matchRecoveryCode('', records)).toBeNull();
    // Another batch's code.
    const otherCodes = newRecoveryCodes(3);
    const other = await hashRecoveryCodes('user-2', otherCodes, AT);
    expect(await matchRecoveryCode(otherCodes[0], records)).toBeNull();
    expect(await matchRecoveryCode(codes[0], other)).toBeNull();
    expect(await matchRecoveryCode(codes[0], [])).toBeNull();
  });

  it('matches across records of several batches (one scrypt per salt)', async () => {
    const a = newRecoveryCodes(3);
    const b = newRecoveryCodes(3);
    const records = [...(await hashRecoveryCodes('user-1', a, AT)), ...(await hashRecoveryCodes('user-1', b, AT))];
    expect((await matchRecoveryCode(a[1], records))?.id).toBe(records[1].id);
    expect((await matchRecoveryCode(b[2], records))?.id).toBe(records[5].id);
  });
});

describe('the SQLite RecoveryCodeStore', () => {
  let store: Store | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    store = undefined;
    dir = undefined;
  });

  async function withUser(userId = 'user-1'): Promise<Store> {
    dir ??= tempDataDir();
    store ??= openSqliteStore(join(dir, 'db.sqlite'));
    await store.users.create({ id: userId, username: userId, attributes: {}, createdAt: AT });
    return store;
  }

  async function enrol(s: Store, userId: string, count = 10): Promise<{ codes: string[]; records: RecoveryCodeRecord[] }> {
    const codes = newRecoveryCodes(count);
    const records = await hashRecoveryCodes(userId, codes, AT);
    await s.recoveryCodes.replace(userId, records);
    return { codes, records };
  }

  it('stores the batch as given and lists it unused', async () => {
    const s = await withUser();
    const { records } = await enrol(s, 'user-1');
    const listed = await s.recoveryCodes.listUnused('user-1');
    expect(listed).toHaveLength(10);
    const byId = new Map(listed.map((r) => [r.id, r]));
    for (const r of records) expect(byId.get(r.id)).toEqual(r);
  });

  it('consume() makes a code single use', async () => {
    const s = await withUser();
    const { codes } = await enrol(s, 'user-1');
    const match = await matchRecoveryCode(codes[3], await s.recoveryCodes.listUnused('user-1'));
    expect(match).not.toBeNull();
    expect(await s.recoveryCodes.consume(match!.id, LATER)).toBe(true);
    expect(await s.recoveryCodes.consume(match!.id, LATER)).toBe(false);
    const unused = await s.recoveryCodes.listUnused('user-1');
    expect(unused).toHaveLength(9);
    expect(unused.map((r) => r.id)).not.toContain(match!.id);
    // The same code no longer matches anything the user still holds.
    expect(await matchRecoveryCode(codes[3], unused)).toBeNull();
    // The others still work.
    expect(await matchRecoveryCode(codes[4], unused)).not.toBeNull();
  });

  it('consume() of an unknown id is false', async () => {
    const s = await withUser();
    expect(await s.recoveryCodes.consume('no-such-code', LATER)).toBe(false);
  });

  it('10 concurrent consume() calls of one id: exactly one succeeds', async () => {
    const s = await withUser();
    const { records } = await enrol(s, 'user-1');
    const results = await Promise.all(Array.from({ length: 10 }, () => s.recoveryCodes.consume(records[0].id, LATER)));
    expect(results.filter((r) => r === true)).toHaveLength(1);
    expect(await s.recoveryCodes.listUnused('user-1')).toHaveLength(9);
  });

  it('10 concurrent consume() calls of one id over two connections to the same file: exactly one succeeds', async () => {
    const s = await withUser();
    const { records } = await enrol(s, 'user-1');
    const second = openSqliteStore(join(dir!, 'db.sqlite'));
    try {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? second : s).recoveryCodes.consume(records[1].id, LATER)),
      );
      expect(results.filter((r) => r === true)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it('replace() discards the previous batch, used or not, and keeps other users apart', async () => {
    const s = await withUser('user-1');
    await withUser('user-2');
    const old = await enrol(s, 'user-1');
    const other = await enrol(s, 'user-2', 4);
    await s.recoveryCodes.consume(old.records[0].id, LATER);
    const fresh = await enrol(s, 'user-1', 5);
    const unused = await s.recoveryCodes.listUnused('user-1');
    expect(unused.map((r) => r.id).sort()).toEqual(fresh.records.map((r) => r.id).sort());
    expect(await matchRecoveryCode(old.codes[1], unused)).toBeNull();
    expect(await s.recoveryCodes.consume(old.records[1].id, LATER)).toBe(false);
    expect(await s.recoveryCodes.listUnused('user-2')).toHaveLength(other.records.length);
  });
});
