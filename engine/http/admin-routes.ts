/** The admin API (and the designer's): journeys, versions, test runs, sessions, users, outbox. */
import { Router, type Request } from 'express';
import { JOURNEY_ID_PATTERN } from '../journey/journey-schema.js';
import type { JourneyAdmin } from '../runtime/journey-admin.js';
import type { SessionService } from '../runtime/session-service.js';
import { EngineError } from '../runtime/errors.js';
import type { StepRegistry } from '../steps/registry.js';
import type { JsonObject } from '../steps/step-types.js';
import type { AuthenticatorRecord, SessionRecord, Store, StoredUser } from '../store/store.js';
import { requireAdmin, type Keys } from './auth.js';
import { journeyBodySchema, sessionListQuerySchema, testRunBodySchema } from './contract/schemas.js';
import type { SessionListQuery, TestRunBody } from './contract/types.js';
import { checkBody } from './validate-body.js';

export interface AdminRouteDeps {
  admin: JourneyAdmin;
  sessions: SessionService;
  registry: StepRegistry;
  store: Store;
  keys: Keys;
}

const journeyIdPattern = new RegExp(JOURNEY_ID_PATTERN);

export function adminRoutes(deps: AdminRouteDeps): Router {
  const router = Router();
  const { admin, store } = deps;
  router.use('/v1/admin', requireAdmin(deps.keys));
  // No CORS or method discovery on the admin API: OPTIONS is a route like any unknown one.
  router.use('/v1/admin', (req, _res, next) => (req.method === 'OPTIONS' ? next(new EngineError('not_found', 'no such route')) : next()));

  router.get('/v1/admin/steps', (_req, res) => {
    res.json(deps.registry.catalogue());
  });

  router.post('/v1/admin/validate', (req, res) => {
    res.json(admin.validate(checkBody<JsonObject>(journeyBodySchema, req.body)));
  });

  router.get('/v1/admin/journeys', async (_req, res) => {
    res.json(await admin.list());
  });

  router.get('/v1/admin/journeys/:id', async (req, res) => {
    const view = await admin.get(journeyId(req));
    res.set('ETag', etag(view.revision)).json({ draft: view.draft, diagnostics: view.diagnostics, versions: view.versions });
  });

  router.put('/v1/admin/journeys/:id', async (req, res) => {
    const document = checkBody<JsonObject>(journeyBodySchema, req.body);
    const result = await admin.save(journeyId(req), document, ifMatch(req));
    res.set('ETag', etag(result.revision)).json({ valid: result.valid, diagnostics: result.diagnostics });
  });

  router.delete('/v1/admin/journeys/:id', async (req, res) => {
    await admin.delete(journeyId(req));
    res.status(204).end();
  });

  router.post('/v1/admin/journeys/:id/publish', async (req, res) => {
    res.status(201).json(await admin.publish(journeyId(req)));
  });

  router.get('/v1/admin/journeys/:id/versions/:version', async (req, res) => {
    res.json(await admin.version(journeyId(req), versionNumber(req)));
  });

  router.post('/v1/admin/journeys/:id/versions/:version/restore', async (req, res) => {
    const result = await admin.restore(journeyId(req), versionNumber(req));
    res.set('ETag', etag(result.revision)).json({ valid: result.valid, diagnostics: result.diagnostics });
  });

  router.post('/v1/admin/journeys/:id/test-runs', async (req, res) => {
    const body = checkBody<TestRunBody>(testRunBodySchema, req.body ?? {});
    res.json(await deps.sessions.startTestRun(journeyId(req), body));
  });

  router.get('/v1/admin/sessions', async (req, res) => {
    const query = checkBody<SessionListQuery>(sessionListQuerySchema, { ...req.query }, 'query');
    const limit = Math.min(Number(query.limit ?? 50), 500);
    const sessions = await store.sessions.list({ journeyId: query.journeyId, status: query.status, limit });
    res.json(sessions.map(sessionSummary));
  });

  router.get('/v1/admin/sessions/:id', async (req, res) => {
    const session = await store.sessions.get(req.params.id);
    if (!session) throw new EngineError('not_found', 'no such session');
    res.json({ session: sessionSummary(session), timeline: await store.timelines.list(session.id) });
  });

  router.get('/v1/admin/outbox', async (req, res) => {
    const sessionId = typeof req.query.sessionId === 'string' ? req.query.sessionId : undefined;
    const to = typeof req.query.to === 'string' ? req.query.to : undefined;
    res.json(await store.outbox.list({ sessionId, to, limit: 200 }));
  });

  router.get('/v1/admin/users', async (req, res) => {
    const username = typeof req.query.username === 'string' ? req.query.username : undefined;
    const users = await store.users.list({ username, limit: 200 });
    res.json(await Promise.all(users.map((u) => userView(store, u))));
  });

  router.get('/v1/admin/users/:id', async (req, res) => {
    res.json(await userView(store, await requireUser(store, req.params.id)));
  });

  router.delete('/v1/admin/users/:id', async (req, res) => {
    if (!(await store.users.delete(req.params.id))) throw new EngineError('not_found', 'no such user');
    res.status(204).end();
  });

  router.post('/v1/admin/users/:id/unlock', async (req, res) => {
    const user = await requireUser(store, req.params.id);
    await store.attempts.clearSubject(user.id);
    res.json(await userView(store, user));
  });

  router.delete('/v1/admin/users/:id/authenticators/:authenticatorId', async (req, res) => {
    if (!(await store.authenticators.delete(req.params.id, req.params.authenticatorId))) {
      throw new EngineError('not_found', 'no such authenticator');
    }
    res.status(204).end();
  });

  return router;
}

function journeyId(req: Request): string {
  const id = String(req.params.id);
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
  };
}
