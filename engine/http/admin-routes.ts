/** The admin API (and the designer's): journeys, versions, test runs, sessions, users, outbox. */
import { Router, type Request } from 'express';
import { JOURNEY_ID_PATTERN, type Journey } from '../journey/journey-schema.js';
import type { JourneyAdmin } from '../runtime/journey-admin.js';
import type { SessionService } from '../runtime/session-service.js';
import { EngineError } from '../runtime/errors.js';
import type { StepRegistry } from '../steps/registry.js';
import type { AuthenticatorRecord, SessionRecord, Store, StoredUser } from '../store/store.js';
import { requireAdmin, type Keys } from './auth.js';
import type { OperationHandler, Operations } from './operations.js';
import type { OperationId } from './contract/routes.js';
import { auditRecords } from '../audit/audit-entry.js';
import { authenticatorRemoved } from '../webhooks/events.js';
import { auditActor } from './audit-actor.js';

export interface AdminRouteDeps {
  admin: JourneyAdmin;
  sessions: SessionService;
  registry: StepRegistry;
  store: Store;
  keys: Keys;
  now: () => Date;
}

const journeyIdPattern = new RegExp(JOURNEY_ID_PATTERN);

export function adminRoutes(deps: AdminRouteDeps, operations: Operations): Router {
  const router = Router();
  const { admin, store } = deps;
  const by = (req: Request) => auditActor(req, deps.keys);
  const now = deps.now;
  // The whole prefix, not only its operations: an unknown admin path answers 401/403 before 404,
  // so the admin API's shape is not discoverable without the key.
  router.use('/v1/admin', requireAdmin(deps.keys));
  // No CORS or method discovery on the admin API: OPTIONS is a route like any unknown one.
  router.use('/v1/admin', (req, _res, next) => (req.method === 'OPTIONS' ? next(new EngineError('not_found', 'no such route')) : next()));
  const on = <Id extends OperationId>(operationId: Id, handler: OperationHandler<Id>) => operations.handle(router, operationId, handler);

  on('listSteps', (_req, _res, { reply }) => {
    reply(deps.registry.catalogue());
  });

  on('validateJourney', async (_req, _res, { body, reply }) => {
    reply(await admin.validateWithCalls(body));
  });

  on('listJourneys', async (_req, _res, { reply }) => {
    reply(await admin.list());
  });

  on('getJourney', async (req, res, { reply }) => {
    const view = await admin.get(journeyId(req));
    res.set('ETag', etag(view.revision));
    reply({ draft: view.draft, diagnostics: view.diagnostics, versions: view.versions });
  });

  on('saveJourney', async (req, res, { body, reply }) => {
    const result = await admin.save(journeyId(req), body, ifMatch(req), by(req));
    res.set('ETag', etag(result.revision));
    reply({ valid: result.valid, diagnostics: result.diagnostics });
  });

  on('deleteJourney', async (req, res) => {
    await admin.delete(journeyId(req), by(req));
    res.status(204).end();
  });

  on('publishJourney', async (req, _res, { reply }) => {
    reply(await admin.publish(journeyId(req), by(req)));
  });

  on('getJourneyVersion', async (req, _res, { reply }) => {
    // Stored as JSON; a version was a valid journey when it was published, and never changes.
    reply((await admin.version(journeyId(req), versionNumber(req))) as Journey);
  });

  on('restoreJourneyVersion', async (req, res, { reply }) => {
    const result = await admin.restore(journeyId(req), versionNumber(req), by(req));
    res.set('ETag', etag(result.revision));
    reply({ valid: result.valid, diagnostics: result.diagnostics });
  });

  // Journey semantic diff (#19): the query's pattern admits digits or `draft` only.
  on('getJourneyDiff', async (req, _res, { query, reply }) => {
    const ref = (text: string) => (text === 'draft' ? 'draft' : Number(text));
    reply(await admin.diff(journeyId(req), ref(query.from), ref(query.to)));
  });

  on('testRunJourney', async (req, _res, { body, reply }) => {
    reply(await deps.sessions.startTestRun(journeyId(req), body));
  });

  on('listSessions', async (_req, _res, { query, reply }) => {
    const limit = Math.min(Number(query.limit ?? 50), 500);
    const sessions = await store.sessions.list({ journeyId: query.journeyId, status: query.status, limit });
    reply(sessions.map(sessionSummary));
  });

  on('getSessionTimeline', async (req, _res, { reply }) => {
    const session = await store.sessions.get(String(req.params.sessionId));
    if (!session) throw new EngineError('not_found', 'no such session');
    reply({ session: sessionSummary(session), timeline: await store.timelines.list(session.id) });
  });

  on('listOutbox', async (_req, _res, { query, reply }) => {
    const sessionId = typeof query.sessionId === 'string' ? query.sessionId : undefined;
    const to = typeof query.to === 'string' ? query.to : undefined;
    reply(await store.outbox.list({ sessionId, to, limit: 200 }));
  });

  on('listUsers', async (_req, _res, { query, reply }) => {
    const username = typeof query.username === 'string' ? query.username : undefined;
    const users = await store.users.list({ username, limit: 200 });
    reply(await Promise.all(users.map((u) => userView(store, u))));
  });

  on('getUser', async (req, _res, { reply }) => {
    reply(await userView(store, await requireUser(store, String(req.params.userId))));
  });

  on('deleteUser', async (req, res) => {
    const user = await requireUser(store, String(req.params.userId));
    const authenticators = await store.authenticators.listByUser(user.id);
    const records = auditRecords(by(req), 'user.deleted', { type: 'user', id: user.id }, { username: user.username, authenticators: authenticators.map((a) => a.type) }, now());
    if (!(await store.users.delete(user.id, records))) throw new EngineError('not_found', 'no such user');
    res.status(204).end();
  });

  on('unlockUser', async (req, _res, { reply }) => {
    const user = await requireUser(store, String(req.params.userId));
    const lockouts = (await store.attempts.listBySubject(user.id)).map((a) => ({ kind: a.kind, failures: a.failures, lockedUntil: a.lockedUntil }));
    await store.attempts.clearSubject(user.id, auditRecords(by(req), 'user.unlocked', { type: 'user', id: user.id }, { cleared: lockouts }, now()));
    reply(await userView(store, user));
  });

  on('deleteAuthenticator', async (req, res) => {
    const [userId, authenticatorId] = [String(req.params.userId), String(req.params.authenticatorId)];
    const existing = await store.authenticators.get(authenticatorId);
    if (!existing || existing.userId !== userId) throw new EngineError('not_found', 'no such authenticator');
    const at = now();
    const records = {
      ...auditRecords(by(req), 'authenticator.deleted', { type: 'user', id: userId }, { authenticatorId, authenticatorType: existing.type, confirmedAt: existing.confirmedAt }, at),
      events: [authenticatorRemoved(existing, by(req).actor, at)],
    };
    if (!(await store.authenticators.delete(userId, authenticatorId, records))) {
      throw new EngineError('not_found', 'no such authenticator');
    }
    res.status(204).end();
  });

  return router;
}

function journeyId(req: Request): string {
  const id = String(req.params.journeyId);
  if (!journeyIdPattern.test(id)) throw new EngineError('not_found', `no journey "${id}"`);
  return id;
}

function versionNumber(req: Request): number {
  const text = String(req.params.version);
  // Digits only: "0x1", "1e0" or " 1" are not version 1.
  if (!/^[1-9][0-9]{0,8}$/.test(text)) throw new EngineError('not_found', 'no such version');
  return Number(text);
}

const etag = (revision: number) => `"${revision}"`;

function ifMatch(req: Request): number | undefined {
  const header = req.headers['if-match'];
  if (header === undefined || header === '*') return undefined;
  const match = /^(?:W\/)?"(\d+)"$/.exec(header.trim());
  if (!match) throw new EngineError('invalid_request', 'If-Match must be an ETag from GET /v1/admin/journeys/{id}');
  return Number(match[1]);
}

export function sessionSummary(s: SessionRecord) {
  return {
    sessionId: s.id,
    journeyId: s.journeyId,
    journeyVersion: s.journeyVersion,
    status: s.status,
    stepId: s.stepId,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

async function requireUser(store: Store, id: string): Promise<StoredUser> {
  const user = await store.users.findById(id);
  if (!user) throw new EngineError('not_found', 'no such user');
  return user;
}

/** A user with their authenticators: never any secret material. */
async function userView(store: Store, user: StoredUser) {
  const [authenticators, attempts] = await Promise.all([store.authenticators.listByUser(user.id), store.attempts.listBySubject(user.id)]);
  const lockedUntil = (type: string) => attempts.find((a) => a.kind === type && a.lockedUntil)?.lockedUntil ?? null;
  return {
    id: user.id,
    username: user.username,
    attributes: user.attributes,
    createdAt: user.createdAt,
    authenticators: authenticators.map((a) => authenticatorView(a, lockedUntil(a.type))),
    lockouts: attempts.map((a) => ({ kind: a.kind, failures: a.failures, lockedUntil: a.lockedUntil })),
  };
}

function authenticatorView(a: AuthenticatorRecord, lockedUntil: string | null) {
  return {
    id: a.id,
    type: a.type,
    createdAt: a.createdAt,
    confirmedAt: a.confirmedAt,
    lastUsedAt: a.lastUsedAt,
    lockedUntil,
    ...(a.type === 'passkey' ? passkeyView(a.params) : {}),
  };
}

/** A passkey's name, model and backup flags (its public key and counter stay inside). */
function passkeyView(params: AuthenticatorRecord['params']) {
  return {
    ...(typeof params.name === 'string' ? { name: params.name } : {}),
    ...(typeof params.aaguid === 'string' ? { aaguid: params.aaguid } : {}),
    ...(typeof params.backupEligible === 'boolean' ? { backupEligible: params.backupEligible } : {}),
    ...(typeof params.backedUp === 'boolean' ? { backedUp: params.backedUp } : {}),
  };
}
