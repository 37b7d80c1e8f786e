/**
 * The shared row shapes: each lists as many columns as it writes values, and a record written
 * through a dialect's codec reads back unchanged (the contract suites cover the databases).
 */
import { describe, expect, it } from 'vitest';
import { postgresCodec } from '../../engine/store/postgres/codec.js';
import { authenticatorRow, recoveryCodeRow } from '../../engine/store/rows/credentials.js';
import { emailLinkRow } from '../../engine/store/rows/email-links.js';
import { outboxRow } from '../../engine/store/rows/outbox.js';
import { sessionRow } from '../../engine/store/rows/sessions.js';
import type { RowShape } from '../../engine/store/rows/shape.js';
import { insertStatement } from '../../engine/store/rows/shape.js';
import { signingKeyRow } from '../../engine/store/rows/tokens.js';
import { oidcClientRow, oidcModelRow } from '../../engine/store/rows/oidc.js';
import { userRow } from '../../engine/store/rows/users.js';
import { sqliteCodec } from '../../engine/store/sqlite/codec.js';

const at = '2026-01-01T00:00:00.000Z';
const samples: Array<[string, RowShape<any>, object]> = [
  [
    'session',
    sessionRow,
    {
      id: 's1', journeyId: 'j', journeyVersion: 3, documentHash: 'h', status: 'waiting', stepId: 'a', userId: null,
      snapshot: { value: 'a', list: [1, 2] }, revision: 2, tokenHash: 't', testRun: true, createdAt: at, updatedAt: at, expiresAt: at, leaseUntil: null,
    },
  ],
  ['user', userRow, { id: 'u1', username: 'Ada', attributes: { email: 'a@b.test' }, createdAt: at }],
  [
    'authenticator',
    authenticatorRow,
    { id: 'a1', userId: 'u1', type: 'totp', sealedSecret: 'v1.k.x', params: { digits: 6 }, confirmedAt: null, createdAt: at, lastUsedAt: at, lastTimeStep: 2 ** 40 },
  ],
  ['recovery code', recoveryCodeRow, { id: 'r1', userId: 'u1', salt: 's', hash: 'h', createdAt: at, usedAt: null }],
  ['outbox message', outboxRow, { id: 'm1', channel: 'email', to: 'a@b.test', body: 'hi', sessionId: 's1', createdAt: at }],
  ['signing key', signingKeyRow, { kid: 'k1', publicJwk: { kty: 'OKP' }, sealedPrivateJwk: 'v1.k.y', createdAt: at, retiredAt: null, use: 'oidc', algorithm: 'RS256' }],
  [
    'oidc artefact',
    oidcModelRow,
    { model: 'Session', id: 'o1', payload: { accountId: 'u1', nested: [1] }, grantId: 'g', userCode: null, uid: 'u', expiresAt: at, consumedAt: null },
  ],
  [
    'oidc client',
    oidcClientRow,
    { id: 'app', metadata: { redirect_uris: ['https://app.test/cb'] }, sealedSecret: 'v1.k.z', journeyId: 'login', acrJourneys: { mfa: 'login-totp' }, firstParty: true, createdAt: at, updatedAt: at },
  ],
  [
    'email link',
    emailLinkRow,
    { id: 'l1', tokenHash: 't', sessionId: 's1', stepId: 'a', deviceHash: null, codeHash: 'c', failures: 1, createdAt: at, expiresAt: at, usedAt: null },
  ],
];

const asRow = (shape: RowShape<any>, values: unknown[]) => Object.fromEntries(shape.columns.map((c, i) => [c, values[i]]));

describe('row shapes', () => {
  it.each(samples)('%s: as many columns as values, and a SQLite round trip gives the record back', (_, shape, record) => {
    const values = shape.values(record, sqliteCodec);
    expect(values).toHaveLength(shape.columns.length);
    expect(shape.fromRow(asRow(shape, values), sqliteCodec)).toEqual(record);
  });

  it.each(samples)('%s: a PostgreSQL round trip (JSON parsed, BIGINT as text, as pg answers them) gives the record back', (_, shape, record) => {
    const row = asRow(shape, shape.values(record, postgresCodec));
    // What pg answers for the column types of postgres/migrations.ts.
    for (const column of ['snapshot', 'attributes', 'params', 'public_jwk', 'payload', 'metadata', 'acr_journeys']) if (typeof row[column] === 'string') row[column] = JSON.parse(row[column]);
    if (typeof row.last_time_step === 'number') row.last_time_step = String(row.last_time_step);
    expect(shape.fromRow(row, postgresCodec)).toEqual(record);
  });

  it('users are written with their normalised username, the unique key', () => {
    expect(asRow(userRow, userRow.values({ id: 'u', username: 'ÅDA', attributes: {}, createdAt: at }, sqliteCodec)).username_normalised).toBe('åda');
  });

  it('inserts name the columns once, with the dialect placeholders', () => {
    expect(insertStatement(recoveryCodeRow, sqliteCodec)).toBe('INSERT INTO recovery_codes (id, user_id, salt, hash, created_at, used_at) VALUES (?, ?, ?, ?, ?, ?)');
    expect(insertStatement(outboxRow, postgresCodec, 3)).toBe(
      'INSERT INTO outbox (id, channel, recipient, body, session_id, created_at) VALUES ($3, $4, $5, $6, $7, $8)',
    );
  });

  it('booleans are 0/1 in SQLite and native in PostgreSQL', () => {
    expect(sqliteCodec.writeBoolean(true)).toBe(1);
    expect(sqliteCodec.readBoolean(0)).toBe(false);
    expect(postgresCodec.writeBoolean(false)).toBe(false);
    expect(postgresCodec.readBoolean(true)).toBe(true);
  });
});
