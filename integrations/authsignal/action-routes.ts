/**
 * getAction, queryUserActions and updateAction (#22): an action is read by its user, code and
 * idempotency key (all three must match: a key alone names nothing); an admin resolves a
 * REVIEW_REQUIRED action with ALLOW / BLOCK (or REVIEW_SUCCEEDED / REVIEW_FAILED), once.
 */
import type { Router } from 'express';
import type { AuthsignalActionRecord, Store } from '../../engine/store/store.js';
import { ACTION_STATES, REVIEW_DECISIONS, type ActionRecords } from './actions.js';
import { AuthsignalError } from './common.js';
import { authsignalActor } from './secret-key.js';
import { auditRecords } from '../../engine/audit/audit-entry.js';
import type { Keys } from '../../engine/http/auth.js';

export interface ActionRouteDeps {
  store: Store;
  keys: Keys;
  actions: ActionRecords;
  now: () => Date;
}

const MAX_ACTIONS = 100;

function actionJson(action: AuthsignalActionRecord) {
  return {
    state: action.state,
    stateUpdatedAt: action.stateUpdatedAt,
    createdAt: action.createdAt,
    ...(action.verificationMethod ? { verificationMethod: action.verificationMethod } : {}),
  };
}

export function authsignalActionRoutes(router: Router, deps: ActionRouteDeps): void {
  async function named(params: Record<string, string>): Promise<AuthsignalActionRecord> {
    const action = await deps.actions.current(String(params.idempotencyKey));
    if (!action || action.userId !== params.userId || action.action !== params.action) {
      throw new AuthsignalError(404, 'not_found', 'no such action for this user');
    }
    return action;
  }

  router.get('/users/:userId/actions/:action/:idempotencyKey', async (req, res) => {
    res.json(actionJson(await named(req.params as Record<string, string>)));
  });

  router.patch('/users/:userId/actions/:action/:idempotencyKey', async (req, res) => {
    const state = (req.body as { state?: unknown } | undefined)?.state;
    if (typeof state !== 'string' || !(state in REVIEW_DECISIONS)) {
      throw new AuthsignalError(400, 'invalid_request', `state must be one of ${Object.keys(REVIEW_DECISIONS).join(', ')}`);
    }
    const action = await named(req.params as Record<string, string>);
    if (action.state !== 'REVIEW_REQUIRED' || action.reviewedAt) {
      throw new AuthsignalError(409, 'invalid_state', `only an action in REVIEW_REQUIRED can be resolved (this one is ${action.state})`);
    }
    const now = deps.now();
    const records = auditRecords(authsignalActor(req, deps.keys), 'action.reviewed', { type: 'user', id: action.userId ?? '' }, { actionId: action.id, action: action.action, from: action.state, to: state }, now);
    if (!(await deps.store.authsignalActions.review(action.id, 'REVIEW_REQUIRED', state, now.toISOString(), records))) {
      throw new AuthsignalError(409, 'invalid_state', 'the action was resolved meanwhile');
    }
    res.json({ state });
  });

  router.get('/users/:userId/actions', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const fromDate = typeof query.fromDate === 'string' ? query.fromDate : undefined;
    if (fromDate !== undefined && Number.isNaN(Date.parse(fromDate))) throw new AuthsignalError(400, 'invalid_request', 'fromDate must be an ISO date');
    const state = typeof query.state === 'string' ? query.state : undefined;
    if (state !== undefined && !(ACTION_STATES as readonly string[]).includes(state)) throw new AuthsignalError(400, 'invalid_request', 'state is not an action state');
    const codes = typeof query.codes === 'string' && query.codes ? query.codes.split(',') : undefined;
    const userId = String(req.params.userId);
    // Brought up to date first, so that the state filter sees what the journeys decided.
    const listed = await deps.store.authsignalActions.listByUser(userId, { fromDate: fromDate && new Date(fromDate).toISOString(), actions: codes, limit: MAX_ACTIONS });
    const current = await Promise.all(listed.map((a) => deps.actions.refreshed(a)));
    res.json(
      current
        .filter((a) => state === undefined || a.state === state)
        .map((a) => ({
          actionCode: a.action,
          idempotencyKey: a.id,
          createdAt: a.createdAt,
          updatedAt: a.stateUpdatedAt,
          state: a.state,
          stateUpdatedAt: a.stateUpdatedAt,
          ...(a.verificationMethod ? { verificationMethod: a.verificationMethod } : {}),
        })),
    );
  });
}
