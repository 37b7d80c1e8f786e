/**
 * queryUsers, updateUser, deleteUser and enrollVerifiedAuthenticator (#22). Changes are audited
 * (the actor is the secret key's name) and raise the same webhook events as the admin API and the
 * steps. A verified authenticator is what the app vouches for with its secret key: a phone or an
 * email it verified itself; nothing else (an app or a passkey needs its secret or key material,
 * which only an enrolment step makes).
 */
import { randomUUID } from 'node:crypto';
import type { Router } from 'express';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { auditRecords } from '../../engine/audit/audit-entry.js';
import type { Keys } from '../../engine/http/auth.js';
import type { JsonObject } from '../../engine/json.js';
import type { AuthenticatorRecord, StoredUser, Store } from '../../engine/store/store.js';
import { authenticatorAdded, authenticatorRemoved } from '../../engine/webhooks/events.js';
import { AuthsignalError, methodOf, proofMethodOf, userNamed } from './common.js';
import { authsignalActor } from './secret-key.js';

export interface UserRouteDeps {
  store: Store;
  keys: Keys;
  now: () => Date;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{1,63}$/;
const MAX_QUERY = 100;

export function validPhone(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\+[1-9]\d{6,14}$/.test(value)) return false;
  return parsePhoneNumberFromString(value)?.isValid() ?? false;
}

const validEmail = (value: unknown): value is string => typeof value === 'string' && value.length <= 254 && EMAIL.test(value);

/** The SDK's UserAttributes, checked: strings where strings go, custom values flat. */
function checkedAttributes(body: unknown): { username?: string | null; attributes: JsonObject } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AuthsignalError(400, 'invalid_request', 'the attributes must be an object');
  const given = body as Record<string, unknown>;
  const attributes: JsonObject = {};
  if (given.email !== undefined) {
    if (!validEmail(given.email)) throw new AuthsignalError(400, 'invalid_request', 'email is not a valid email address');
    attributes.email = given.email;
  }
  if (given.phoneNumber !== undefined) {
    if (!validPhone(given.phoneNumber)) throw new AuthsignalError(400, 'invalid_request', 'phoneNumber is not a valid E.164 phone number');
    attributes.phoneNumber = given.phoneNumber;
  }
  for (const name of ['displayName', 'locale'] as const) {
    if (given[name] === undefined) continue;
    if (typeof given[name] !== 'string' || (given[name] as string).length > 256) throw new AuthsignalError(400, 'invalid_request', `${name} must be a string`);
    attributes[name] = given[name] as string;
  }
  if (given.custom !== undefined) {
    const custom = given.custom;
    const flat =
      custom && typeof custom === 'object' && !Array.isArray(custom) &&
      Object.values(custom).every((v) => ['string', 'number', 'boolean'].includes(typeof v));
    if (!flat) throw new AuthsignalError(400, 'invalid_request', 'custom must be an object of strings, numbers and booleans');
    attributes.custom = custom as JsonObject;
  }
  let username: string | null | undefined;
  if (given.username !== undefined) {
    if (typeof given.username !== 'string' || !given.username.trim() || given.username.length > 256) throw new AuthsignalError(400, 'invalid_request', 'username must be a non-empty string');
    username = given.username;
  }
  return { username, attributes };
}

/** The SDK's UserAttributes of a stored user. */
function attributesJson(user: StoredUser) {
  const a = user.attributes;
  return {
    ...(typeof a.email === 'string' ? { email: a.email } : {}),
    ...(typeof a.phoneNumber === 'string' ? { phoneNumber: a.phoneNumber } : {}),
    ...(user.username ? { username: user.username } : {}),
    ...(typeof a.displayName === 'string' ? { displayName: a.displayName } : {}),
    ...(typeof a.locale === 'string' ? { locale: a.locale } : {}),
    ...(a.custom && typeof a.custom === 'object' ? { custom: a.custom } : {}),
  };
}

export function authenticatorJson(a: AuthenticatorRecord) {
  return {
    userId: a.userId,
    userAuthenticatorId: a.id,
    verificationMethod: methodOf(a),
    createdAt: a.createdAt,
    ...(a.confirmedAt ? { verifiedAt: a.confirmedAt } : {}),
    ...(a.lastUsedAt ? { lastVerifiedAt: a.lastUsedAt } : {}),
    ...(typeof a.params.phoneNumber === 'string' ? { phoneNumber: a.params.phoneNumber } : {}),
    ...(typeof a.params.email === 'string' ? { email: a.params.email } : {}),
  };
}

export function authsignalUserRoutes(router: Router, deps: UserRouteDeps): void {
  const { store } = deps;

  async function verified(userId: string) {
    const authenticators = await store.authenticators.listByUser(userId);
    const has = (...methods: string[]) => authenticators.some((a) => a.confirmedAt && methods.includes(proofMethodOf(a) ?? ''));
    return { emailVerified: has('email'), phoneNumberVerified: has('sms', 'whatsapp') };
  }

  router.get('/users', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const limit = typeof query.limit === 'string' ? Math.min(Math.max(Number.parseInt(query.limit, 10) || MAX_QUERY, 1), MAX_QUERY) : MAX_QUERY;
    let users: StoredUser[];
    if (typeof query.username === 'string') {
      const user = await store.users.findByUsername(query.username);
      users = user ? [user] : [];
    } else if (typeof query.email === 'string') users = await store.users.listByAttribute('email', query.email, limit);
    else if (typeof query.phoneNumber === 'string') users = await store.users.listByAttribute('phoneNumber', query.phoneNumber, limit);
    else if (query.token !== undefined) throw new AuthsignalError(400, 'invalid_request', 'querying by token is not supported: validate the token with validateChallenge');
    else {
      // Paged in id order: lastEvaluatedUserId is the last id of the previous page.
      users = await store.users.listAfterId(typeof query.lastEvaluatedUserId === 'string' ? query.lastEvaluatedUserId : null, limit);
    }
    const page = await Promise.all(users.slice(0, limit).map(async (u) => ({ userId: u.id, ...attributesJson(u), ...(await verified(u.id)) })));
    res.json({ users: page, ...(page.length === limit ? { lastEvaluatedUserId: page.at(-1)!.userId } : {}) });
  });

  router.patch('/users/:userId', async (req, res) => {
    const userId = String(req.params.userId);
    const { username, attributes } = checkedAttributes(req.body);
    // As track does: a user the app names is created on first use.
    const user = await userNamed(store, userId, deps.now);
    const merged = { ...user.attributes, ...attributes };
    const outcome = await store.users.update(userId, username === undefined ? user.username : username, merged);
    if (outcome === 'username_taken') throw new AuthsignalError(409, 'username_taken', 'another user has this username');
    if (outcome === 'not_found') throw new AuthsignalError(404, 'not_found', 'the user was deleted meanwhile');
    res.json(attributesJson((await store.users.findById(userId))!));
  });

  router.delete('/users/:userId', async (req, res) => {
    const user = await store.users.findById(String(req.params.userId));
    if (!user) throw new AuthsignalError(404, 'not_found', 'no such user');
    const authenticators = await store.authenticators.listByUser(user.id);
    const records = auditRecords(authsignalActor(req, deps.keys), 'user.deleted', { type: 'user', id: user.id }, { username: user.username, authenticators: authenticators.map((a) => a.type) }, deps.now());
    if (!(await store.users.delete(user.id, records))) throw new AuthsignalError(404, 'not_found', 'no such user');
    res.json({});
  });

  router.post('/users/:userId/authenticators', async (req, res) => {
    const userId = String(req.params.userId);
    const body = (req.body ?? {}) as { verificationMethod?: unknown; phoneNumber?: unknown; email?: unknown };
    const method = body.verificationMethod;
    let type: string;
    let params: JsonObject;
    if (method === 'SMS' || method === 'WHATSAPP') {
      if (!validPhone(body.phoneNumber)) throw new AuthsignalError(400, 'invalid_request', 'phoneNumber must be a valid E.164 phone number');
      type = 'sms';
      params = { phoneNumber: body.phoneNumber, channel: method === 'SMS' ? 'sms' : 'whatsapp' };
    } else if (method === 'EMAIL_OTP') {
      if (!validEmail(body.email)) throw new AuthsignalError(400, 'invalid_request', 'email must be a valid email address');
      type = 'email';
      params = { email: body.email, channel: 'email' };
    } else {
      throw new AuthsignalError(400, 'invalid_request', 'verificationMethod must be SMS, WHATSAPP or EMAIL_OTP (other methods are enrolled by a journey)');
    }
    const now = deps.now();
    await userNamed(store, userId, () => now);
    const key = type === 'sms' ? 'phoneNumber' : 'email';
    const existing = (await store.authenticators.listByUser(userId)).find((a) => a.type === type && a.params[key] === params[key] && a.params.channel === params.channel);
    if (existing) return void res.json({ authenticator: authenticatorJson(existing) });
    const authenticator: AuthenticatorRecord = {
      id: randomUUID(),
      userId,
      type,
      sealedSecret: null,
      params,
      confirmedAt: now.toISOString(),
      createdAt: now.toISOString(),
      lastUsedAt: null,
      lastTimeStep: null,
    };
    await store.authenticators.create(authenticator, {
      ...auditRecords(authsignalActor(req, deps.keys), 'authenticator.enrolled', { type: 'user', id: userId }, { authenticatorId: authenticator.id, type, channel: params.channel as string }, now),
      events: [authenticatorAdded(authenticator, now)],
    });
    res.json({ authenticator: authenticatorJson(authenticator) });
  });

  /** Replaces the original deleteAuthenticator: audited, and an `authenticator.removed` event like the admin API's. */
  router.delete('/users/:userId/authenticators/:authenticatorId', async (req, res) => {
    const userId = String(req.params.userId);
    const existing = await store.authenticators.get(String(req.params.authenticatorId));
    if (!existing || existing.userId !== userId) throw new AuthsignalError(404, 'not_found', 'no such authenticator for this user');
    const now = deps.now();
    const records = {
      ...auditRecords(authsignalActor(req, deps.keys), 'authenticator.deleted', { type: 'user', id: userId }, { authenticatorId: existing.id, type: existing.type }, now),
      events: [authenticatorRemoved(existing, 'authsignal', now)],
    };
    if (!(await store.authenticators.delete(userId, existing.id, records))) throw new AuthsignalError(404, 'not_found', 'no such authenticator for this user');
    res.json({});
  });
}
