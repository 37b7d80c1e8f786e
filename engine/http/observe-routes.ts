/** The admin API of observability: the audit log, webhook subscriptions and deliveries, journey analytics. */
import { Router, type Request } from 'express';
import { JOURNEY_ID_PATTERN } from '../journey/journey-schema.js';
import type { JourneyAnalytics } from '../analytics/journey-analytics.js';
import { EngineError } from '../runtime/errors.js';
import type { Store, WebhookSubscriptionRecord } from '../store/store.js';
import { redactUrl, type WebhookSubscriptions } from '../webhooks/subscriptions.js';
import { auditActor } from './audit-actor.js';
import type { Keys } from './auth.js';
import type { OperationId } from './contract/routes.js';
import type { OperationHandler, Operations } from './operations.js';

export interface ObserveRouteDeps {
  store: Store;
  keys: Keys;
  webhooks: WebhookSubscriptions;
  analytics: JourneyAnalytics;
}

const journeyIdPattern = new RegExp(JOURNEY_ID_PATTERN);

export function observeRoutes(deps: ObserveRouteDeps, operations: Operations): Router {
  const router = Router();
  const on = <Id extends OperationId>(operationId: Id, handler: OperationHandler<Id>) => operations.handle(router, operationId, handler);
  const by = (req: Request) => auditActor(req, deps.keys);

  on('listAudit', async (_req, _res, { query, reply }) => {
    const limit = Math.max(1, Math.min(Number(query.limit ?? 50), 200));
    const entries = await deps.store.audit.list({
      action: query.action,
      actor: query.actor,
      targetType: query.targetType,
      targetId: query.targetId,
      from: query.from,
      to: query.to,
      before: query.before === undefined ? undefined : Number(query.before),
      limit,
    });
    reply({ entries, next: entries.length === limit ? String(entries[entries.length - 1].seq) : null });
  });

  on('getJourneyAnalytics', async (req, _res, { query, reply }) => {
    const id = String(req.params.journeyId);
    if (!journeyIdPattern.test(id)) throw new EngineError('not_found', `no journey "${id}"`);
    reply(await deps.analytics.report(id, { version: query.version === undefined ? undefined : Number(query.version), from: query.from, to: query.to }));
  });

  on('listWebhooks', async (_req, _res, { reply }) => {
    reply((await deps.webhooks.list()).map(subscriptionView));
  });

  on('createWebhook', async (req, _res, { body, reply }) => {
    const created = await deps.webhooks.create({ url: body.url, eventTypes: [...body.eventTypes], description: body.description, format: body.format }, by(req));
    reply({ subscription: subscriptionView(created.subscription), secret: created.secret });
  });

  on('deleteWebhook', async (req, res) => {
    await deps.webhooks.delete(String(req.params.webhookId), by(req));
    res.status(204).end();
  });

  on('listWebhookDeliveries', async (_req, _res, { query, reply }) => {
    const limit = Math.max(1, Math.min(Number(query.limit ?? 50), 200));
    reply(await deps.store.webhooks.listDeliveries({ status: query.status, subscriptionId: query.subscriptionId, eventId: query.eventId, limit }));
  });

  on('retryWebhookDelivery', async (req, _res, { reply }) => {
    reply(await deps.webhooks.retry(String(req.params.deliveryId), by(req)));
  });

  return router;
}

/** A subscription as the API shows it: never its secret, and the URL without credentials. */
function subscriptionView(s: WebhookSubscriptionRecord) {
  return { id: s.id, url: redactUrl(s.url), eventTypes: s.eventTypes, format: s.format, description: s.description, enabled: s.enabled, createdAt: s.createdAt };
}
