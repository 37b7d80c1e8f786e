/**
 * B1's baseline: the login-TOTP flow written by hand (express + otplib + better-sqlite3 + jose),
 * doing the same security work as the engine: session state in SQLite between the two requests,
 * a hashed session token compared in constant time, the answer checked against the same JSON
 * Schema, the secret unsealed (AES-256-GCM), the TOTP checked with a window and replay
 * protection (compare-and-set), and an ES256 token signed with the same claims.
 * Run as a child process: `tsx test/bench/handwritten/server.ts <dbPath> <port>`.
 */
import Database from 'better-sqlite3';
import express from 'express';
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { createAjv } from '../../../engine/journey/schema-validator.js';
import { secretsEqual, sha256 } from '../../../engine/security/constant-time.js';
import { createSealer } from '../../../engine/security/sealing.js';
import { verifyTotp } from '../../../steps/totp-common/totp.js';

const [dbPath, portText, secretKeyHex] = process.argv.slice(2);
const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const sealer = createSealer(Buffer.from(secretKeyHex, 'hex'));
const { privateKey } = await generateKeyPair('ES256');
const ajv = createAjv();
const checkLogin = ajv.compile({
  type: 'object',
  required: ['username', 'totp_code'],
  properties: { username: { type: 'string', minLength: 1 }, totp_code: { type: 'string', pattern: '^[0-9]{6}$' } },
});

const insertSession = db.prepare('INSERT INTO hw_sessions (id, token_hash, state, tries, created_at) VALUES (?, ?, ?, 0, ?)');
const getSession = db.prepare('SELECT * FROM hw_sessions WHERE id = ?');
const finishSession = db.prepare("UPDATE hw_sessions SET state = 'completed' WHERE id = ? AND state = 'login'");
const findUser = db.prepare('SELECT u.id, a.id AS aid, a.sealed_secret, a.last_time_step FROM hw_users u JOIN hw_authenticators a ON a.user_id = u.id WHERE u.username = ?');
const advance = db.prepare('UPDATE hw_authenticators SET last_time_step = ? WHERE id = ? AND (last_time_step IS NULL OR last_time_step < ?)');

const app = express();
app.use(express.json({ limit: '256kb' }));

app.post('/start', (_req, res) => {
  const id = randomUUID();
  const token = randomBytes(32).toString('base64url');
  insertSession.run(id, sha256(token), 'login', new Date().toISOString());
  res.json({ sessionId: id, sessionToken: token, status: 'waiting', step: { id: 'login' } });
});

app.post('/sessions/:id/submit', async (req, res) => {
  const session = getSession.get(req.params.id) as { id: string; token_hash: string; state: string } | undefined;
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  if (!session || !secretsEqual(sha256(token), session.token_hash)) return void res.status(401).json({ error: { code: 'unauthorized' } });
  if (session.state !== 'login') return void res.status(409).json({ error: { code: 'session_ended' } });
  const data = req.body?.data;
  if (req.body?.stepId !== 'login' || req.body?.option !== 'totp' || !checkLogin(data)) return void res.status(422).json({ error: { code: 'validation_failed' } });
  const { username, totp_code } = data as { username: string; totp_code: string };
  const user = findUser.get(username.toLowerCase()) as { id: string; aid: string; sealed_secret: string; last_time_step: number | null } | undefined;
  let ok = false;
  if (user) {
    const secret = sealer.unseal(user.sealed_secret, `authenticator:${user.aid}`);
    const step = await verifyTotp({ secret, code: totp_code, params: { algorithm: 'SHA1', digits: 6, period: 30 }, window: { past: 1, future: 1 }, now: new Date(), afterTimeStep: user.last_time_step });
    ok = step !== null && advance.run(step, user.aid, step).changes === 1;
  }
  if (!ok) return void res.json({ status: 'waiting', error: { code: 'invalid_code' } });
  finishSession.run(session.id);
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({ username, sid: session.id, journeyId: 'login-totp', journeyVersion: 1 })
    .setProtectedHeader({ alg: 'ES256', kid: 'hw', typ: 'JWT' })
    .setIssuer('journey-engine')
    .setSubject(user!.id)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(privateKey);
  res.json({ status: 'completed', result: { token: jwt, claims: { username } } });
});

const server = app.listen(Number(portText), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
