/**
 * The route table: every operation of the HTTP API once, with its method, path (OpenAPI form,
 * `{param}`), who may call it, its request, its responses and the error codes it may answer.
 * The express routers register handlers by operationId against this table (operations.ts), and
 * /openapi.json is generated from it (openapi.ts), so a route cannot exist without its contract.
 *
 * Pure data, like the schemas. The Authsignal-compatible routes are a separate published shape and
 * are not here.
 */
import { JOURNEY_ID_PATTERN } from '../../journey/journey-schema.js';
import type { ErrorCode } from './error-table.js';
import {
  draftSchema,
  healthSchema,
  journeyDocumentSchema,
  journeySummarySchema,
  journeyViewSchema,
  jwksSchema,
  openApiSchema,
  outboxMessageSchema,
  publishResultSchema,
  readySchema,
  sessionDetailSchema,
  sessionListQuerySchema,
  sessionSummarySchema,
  startBodySchema,
  stepCatalogueEntrySchema,
  stepResponseSchema,
  submitBodySchema,
  testRunBodySchema,
  tokenValidationSchema,
  unavailableSchema,
  userSchema,
  validateTokenBodySchema,
  validationResultSchema,
  createOidcClientBodySchema,
  oidcClientBodySchema,
  oidcClientSchema,
  oidcClientWithSecretSchema,
  OIDC_CLIENT_ID_PATTERN,
  // Observability (#23)
  analyticsQuerySchema,
  auditPageSchema,
  auditQuerySchema,
  journeyAnalyticsSchema,
  webhookCreateBodySchema,
  webhookCreatedSchema,
  webhookDeliveryQuerySchema,
  webhookDeliverySchema,
  webhookSubscriptionSchema,
  // Journey semantic diff (#19)
  journeyDiffQuerySchema,
  journeyDiffSchema,
} from './schemas.js';

/**
 * Who may call: nobody in particular (`none`), anyone but a present key must be known
 * (`optional-key`: public journeys), a session's own token (`session`), an app or the admin
 * (`app-or-admin`), the admin only (`admin`).
 */
export type Auth = 'none' | 'optional-key' | 'session' | 'app-or-admin' | 'admin';

export type Method = 'get' | 'post' | 'put' | 'delete';

/** What one status answers: JSON (with its schema, or none for an empty body), an HTML page or text. */
export interface ResponseSpec {
  description: string;
  schema?: object;
  media?: 'application/json' | 'text/html' | 'text/plain';
  headers?: Record<string, { description?: string; schema: object }>;
}

export interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: object;
}

export interface OperationSpec {
  method: Method;
  path: string;
  tag: 'sessions' | 'tokens' | 'admin' | 'operations' | 'links' | 'oidc';
  summary: string;
  description?: string;
  auth: Auth;
  /** Path and header parameters (the query is `query`). */
  parameters?: readonly ParameterSpec[];
  /** The query's schema: its properties are the query parameters. */
  query?: { schema: { type?: 'object'; properties: Record<string, object> }; descriptions?: Record<string, string>; validate: boolean };
  /**
   * The JSON body's schema; `required: false` reads a missing body as `{}`. `afterAuthorisation`:
   * checked only once the caller is known to be allowed (a stranger learns nothing from a 400).
   */
  body?: { schema: object; required: boolean; media?: 'application/json' | 'application/x-www-form-urlencoded'; afterAuthorisation?: boolean };
  responses: Readonly<Record<number, ResponseSpec>>;
  /** The error codes this operation may answer (`internal` is implied for all). */
  errors: readonly ErrorCode[];
}

const journeyIdParam = {
  name: 'journeyId',
  in: 'path',
  required: true,
  description: 'A journey id; one that does not match the pattern answers 404.',
  schema: { type: 'string', pattern: JOURNEY_ID_PATTERN },
} as const satisfies ParameterSpec;
const sessionIdParam = { name: 'sessionId', in: 'path', required: true, schema: { type: 'string' } } as const satisfies ParameterSpec;
const versionParam = { name: 'version', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } } as const satisfies ParameterSpec;
const userIdParam = { name: 'userId', in: 'path', required: true, schema: { type: 'string' } } as const satisfies ParameterSpec;
const linkTokenParam = {
  name: 'token',
  in: 'path',
  required: true,
  description: 'The link token from the email (never logged).',
  schema: { type: 'string' },
} as const satisfies ParameterSpec;

const etag = { ETag: { description: 'The draft revision, e.g. `"3"`; send it back in If-Match.', schema: { type: 'string' } } };
const list = <S extends object>(items: S) => ({ type: 'array', items }) as const;
const page = (description: string): ResponseSpec => ({ description, media: 'text/html' });
const linkUnknown = page('No such link (or a newer link of the step replaced it).');
const linkEnded = page('The session no longer waits for this link (ended, expired, moved on or deleted).');

const oidcClientIdParam = { name: 'clientId', in: 'path', required: true, schema: { type: 'string', pattern: OIDC_CLIENT_ID_PATTERN } } as const satisfies ParameterSpec;
const ADMIN_READ: readonly ErrorCode[] = ['unauthorized', 'forbidden'];
const ADMIN_ONE: readonly ErrorCode[] = ['unauthorized', 'forbidden', 'not_found'];

export const ROUTES = {
  startJourney: {
    method: 'post',
    path: '/v1/journeys/{journeyId}/start',
    tag: 'sessions',
    summary: "Start a session on the journey's latest published version",
    description:
      'A journey whose `settings.public` is not true needs an app or admin key. A key that is present but unknown is refused (401). ' +
      'A request without a `journey_device` cookie gets one (HttpOnly, SameSite=Lax): email links tell the browser that started by it.',
    auth: 'optional-key',
    parameters: [{ ...journeyIdParam, description: 'The journey id.' }],
    body: { schema: startBodySchema, required: false },
    responses: { 200: { description: 'The first step response.', schema: stepResponseSchema } },
    errors: ['invalid_request', 'unauthorized', 'not_found', 'validation_failed', 'rate_limited'],
  },
  getSession: {
    method: 'get',
    path: '/v1/sessions/{sessionId}',
    tag: 'sessions',
    summary: 'The current step response of a session',
    auth: 'session',
    parameters: [sessionIdParam],
    responses: { 200: { description: 'The current step response.', schema: stepResponseSchema } },
    errors: ['unauthorized', 'not_found', 'session_expired'],
  },
  submitStep: {
    method: 'post',
    path: '/v1/sessions/{sessionId}/submit',
    tag: 'sessions',
    summary: "Answer the session's waiting step",
    description: 'A refused submit changes nothing in the session. A request without a `journey_device` cookie gets one, as on start.',
    auth: 'session',
    parameters: [sessionIdParam],
    body: { schema: submitBodySchema, required: true, afterAuthorisation: true },
    responses: { 200: { description: 'The next step response.', schema: stepResponseSchema } },
    errors: ['invalid_request', 'unauthorized', 'not_found', 'stale_step', 'conflict', 'session_ended', 'session_expired', 'validation_failed', 'rate_limited'],
  },
  validateToken: {
    method: 'post',
    path: '/v1/tokens/validate',
    tag: 'tokens',
    summary: 'Validate a result token (once)',
    auth: 'app-or-admin',
    body: { schema: validateTokenBodySchema, required: true },
    responses: { 200: { description: 'The validation.', schema: tokenValidationSchema } },
    errors: ['invalid_request', 'unauthorized'],
  },
  getJwks: {
    method: 'get',
    path: '/.well-known/jwks.json',
    tag: 'tokens',
    summary: 'The public keys that verify tokens',
    auth: 'none',
    responses: { 200: { description: 'The JWKS (cacheable for 5 minutes).', schema: jwksSchema, headers: { 'Cache-Control': { schema: { type: 'string' } } } } },
    errors: [],
  },
  showEmailLink: {
    method: 'get',
    path: '/v1/links/{token}',
    tag: 'links',
    summary: 'The page of an email link: one button; changes nothing',
    description:
      'Mail scanners that prefetch links consume nothing: only the POST proves the link. `Cache-Control: no-store`, `Referrer-Policy: no-referrer`, a CSP without script.',
    auth: 'none',
    parameters: [linkTokenParam],
    responses: {
      200: page('The link can be used: a page with one button (a form POST to this same address).'),
      404: linkUnknown,
      409: linkEnded,
      410: page('The link was used, has expired, or was blocked after 3 wrong codes.'),
    },
    errors: [],
  },
  useEmailLink: {
    method: 'post',
    path: '/v1/links/{token}',
    tag: 'links',
    summary: 'Prove an email link and resume its waiting session',
    description:
      "In the browser that started (its `journey_device` cookie hashes to the one the link was sent from) the link is consumed and the session resumed with the step's `check`. Elsewhere only with `allowOtherDevice`, after typing the code the first screen shows; 3 wrong codes block the link.",
    auth: 'none',
    parameters: [linkTokenParam],
    body: {
      media: 'application/x-www-form-urlencoded',
      required: false,
      schema: { type: 'object', properties: { code: { type: 'string', maxLength: 16, description: 'The code the first screen shows (other browsers only).' } } },
    },
    responses: {
      200: page(
        'Proved (the session moved on: "continue in the window where you started" / "return to your other device"), or, from another browser of a step that allows it, the page asking for the code.',
      ),
      400: page('A wrong code (attempts left), a code over 16 characters, or an unreadable body.'),
      403: page('Another browser than the one that started (no or another `journey_device` cookie) and the step does not allow other devices.'),
      404: linkUnknown,
      409: linkEnded,
      410: page('The link was used, has expired, or was blocked (the third wrong code answers this too).'),
    },
    errors: [],
  },
  listSteps: {
    method: 'get',
    path: '/v1/admin/steps',
    tag: 'admin',
    summary: 'The step catalogue',
    auth: 'admin',
    responses: { 200: { description: 'Registered step types, sorted by type.', schema: list(stepCatalogueEntrySchema) } },
    errors: ADMIN_READ,
  },
  validateJourney: {
    method: 'post',
    path: '/v1/admin/validate',
    tag: 'admin',
    summary: 'Validate a journey document (nothing is saved)',
    auth: 'admin',
    body: { schema: draftSchema, required: true },
    responses: { 200: { description: 'Diagnostics.', schema: validationResultSchema } },
    errors: ['invalid_request', 'unauthorized', 'forbidden'],
  },
  listJourneys: {
    method: 'get',
    path: '/v1/admin/journeys',
    tag: 'admin',
    summary: 'Journeys, sorted by id',
    auth: 'admin',
    responses: { 200: { description: 'Journey summaries.', schema: list(journeySummarySchema) } },
    errors: ADMIN_READ,
  },
  getJourney: {
    method: 'get',
    path: '/v1/admin/journeys/{journeyId}',
    tag: 'admin',
    summary: 'The draft, its diagnostics and its versions',
    auth: 'admin',
    parameters: [journeyIdParam],
    responses: { 200: { description: 'The journey.', schema: journeyViewSchema, headers: etag } },
    errors: ADMIN_ONE,
  },
  saveJourney: {
    method: 'put',
    path: '/v1/admin/journeys/{journeyId}',
    tag: 'admin',
    summary: 'Save the draft (saved even with errors)',
    description: 'A body without `id` gets the path id; an `id` that differs answers 400.',
    auth: 'admin',
    parameters: [
      journeyIdParam,
      {
        name: 'If-Match',
        in: 'header',
        required: false,
        description: '`"N"` or `W/"N"`: save only while the revision is N (`"0"`: only if no draft exists); `*` or none: unconditionally.',
        schema: { type: 'string' },
      },
    ],
    body: { schema: draftSchema, required: true },
    responses: { 200: { description: 'Saved; diagnostics of the draft.', schema: validationResultSchema, headers: etag } },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'not_found', 'conflict'],
  },
  deleteJourney: {
    method: 'delete',
    path: '/v1/admin/journeys/{journeyId}',
    tag: 'admin',
    summary: 'Delete the draft and hide every version',
    auth: 'admin',
    parameters: [journeyIdParam],
    responses: { 204: { description: 'Deleted; running sessions finish on their version.' } },
    errors: [...ADMIN_ONE, 'journey_in_use'],
  },
  publishJourney: {
    method: 'post',
    path: '/v1/admin/journeys/{journeyId}/publish',
    tag: 'admin',
    summary: 'Publish the draft as a new version',
    auth: 'admin',
    parameters: [journeyIdParam],
    responses: { 201: { description: 'The new version.', schema: publishResultSchema } },
    errors: ['unauthorized', 'forbidden', 'not_found', 'validation_failed'],
  },
  getJourneyVersion: {
    method: 'get',
    path: '/v1/admin/journeys/{journeyId}/versions/{version}',
    tag: 'admin',
    summary: "A published version's document, unchanged forever",
    auth: 'admin',
    parameters: [journeyIdParam, versionParam],
    responses: { 200: { description: 'The document.', schema: journeyDocumentSchema } },
    errors: ADMIN_ONE,
  },
  restoreJourneyVersion: {
    method: 'post',
    path: '/v1/admin/journeys/{journeyId}/versions/{version}/restore',
    tag: 'admin',
    summary: 'Copy a version into the draft',
    auth: 'admin',
    parameters: [journeyIdParam, versionParam],
    responses: { 200: { description: 'The draft diagnostics.', schema: validationResultSchema, headers: etag } },
    errors: ADMIN_ONE,
  },
  testRunJourney: {
    method: 'post',
    path: '/v1/admin/journeys/{journeyId}/test-runs',
    tag: 'admin',
    summary: 'Start a session of the draft (or a version), public or not',
    auth: 'admin',
    parameters: [journeyIdParam],
    body: { schema: testRunBodySchema, required: false },
    responses: { 200: { description: 'The first step response; journeyVersion is null for the draft.', schema: stepResponseSchema } },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'not_found', 'validation_failed'],
  },
  listSessions: {
    method: 'get',
    path: '/v1/admin/sessions',
    tag: 'admin',
    summary: 'Sessions, newest first',
    auth: 'admin',
    query: { schema: sessionListQuerySchema, descriptions: { limit: '1 to 4 digits; default 50, capped at 500.' }, validate: true },
    responses: { 200: { description: 'Session summaries.', schema: list(sessionSummarySchema) } },
    errors: ['invalid_request', 'unauthorized', 'forbidden'],
  },
  getSessionTimeline: {
    method: 'get',
    path: '/v1/admin/sessions/{sessionId}',
    tag: 'admin',
    summary: 'A session and its timeline (secrets redacted)',
    auth: 'admin',
    parameters: [sessionIdParam],
    responses: { 200: { description: 'The session.', schema: sessionDetailSchema } },
    errors: ADMIN_ONE,
  },
  listOutbox: {
    method: 'get',
    path: '/v1/admin/outbox',
    tag: 'admin',
    summary: 'Messages of the development channel, newest first (at most 200)',
    auth: 'admin',
    // Filters only: a repeated or odd parameter is ignored rather than refused.
    query: { schema: { type: 'object', properties: { sessionId: { type: 'string' }, to: { type: 'string' } } }, validate: false },
    responses: { 200: { description: 'Messages.', schema: list(outboxMessageSchema) } },
    errors: ADMIN_READ,
  },
  listUsers: {
    method: 'get',
    path: '/v1/admin/users',
    tag: 'admin',
    summary: 'Users with their authenticators (at most 200)',
    auth: 'admin',
    // A filter only: a repeated parameter is ignored rather than refused.
    query: { schema: { type: 'object', properties: { username: { type: 'string' } } }, descriptions: { username: 'Exact match after normalising.' }, validate: false },
    responses: { 200: { description: 'Users.', schema: list(userSchema) } },
    errors: ADMIN_READ,
  },
  getUser: {
    method: 'get',
    path: '/v1/admin/users/{userId}',
    tag: 'admin',
    summary: 'One user',
    auth: 'admin',
    parameters: [userIdParam],
    responses: { 200: { description: 'The user.', schema: userSchema } },
    errors: ADMIN_ONE,
  },
  deleteUser: {
    method: 'delete',
    path: '/v1/admin/users/{userId}',
    tag: 'admin',
    summary: 'Erase the user and everything stored about them',
    auth: 'admin',
    parameters: [userIdParam],
    responses: { 204: { description: 'Erased.' } },
    errors: ADMIN_ONE,
  },
  unlockUser: {
    method: 'post',
    path: '/v1/admin/users/{userId}/unlock',
    tag: 'admin',
    summary: 'Clear lockouts and failure counts',
    auth: 'admin',
    parameters: [userIdParam],
    responses: { 200: { description: 'The user.', schema: userSchema } },
    errors: ADMIN_ONE,
  },
  deleteAuthenticator: {
    method: 'delete',
    path: '/v1/admin/users/{userId}/authenticators/{authenticatorId}',
    tag: 'admin',
    summary: 'Remove one authenticator',
    auth: 'admin',
    parameters: [userIdParam, { name: 'authenticatorId', in: 'path', required: true, schema: { type: 'string' } }],
    responses: { 204: { description: 'Removed.' } },
    errors: ADMIN_ONE,
  },
  // ---- OpenID Connect provider (#18): relying parties ----
  listOidcClients: {
    method: 'get',
    path: '/v1/admin/oidc/clients',
    tag: 'oidc',
    summary: 'The OpenID clients (never their secrets)',
    auth: 'admin',
    responses: { 200: { description: 'The clients, by id.', schema: list(oidcClientSchema) } },
    errors: ADMIN_READ,
  },
  createOidcClient: {
    method: 'post',
    path: '/v1/admin/oidc/clients',
    tag: 'oidc',
    summary: 'Register an OpenID client',
    description: 'A client authenticating with a secret gets one, answered this once and stored sealed. Its journeys must be published.',
    auth: 'admin',
    body: { schema: createOidcClientBodySchema, required: true },
    responses: { 201: { description: 'The client, with `clientSecret` when it has one.', schema: oidcClientWithSecretSchema } },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'validation_failed', 'client_exists'],
  },
  getOidcClient: {
    method: 'get',
    path: '/v1/admin/oidc/clients/{clientId}',
    tag: 'oidc',
    summary: 'One OpenID client',
    auth: 'admin',
    parameters: [oidcClientIdParam],
    responses: { 200: { description: 'The client.', schema: oidcClientSchema } },
    errors: ADMIN_ONE,
  },
  updateOidcClient: {
    method: 'put',
    path: '/v1/admin/oidc/clients/{clientId}',
    tag: 'oidc',
    summary: "Replace an OpenID client's settings",
    description: 'The secret is kept; a client that changes to a secret method without one gets one (answered once).',
    auth: 'admin',
    parameters: [oidcClientIdParam],
    body: { schema: oidcClientBodySchema, required: true },
    responses: { 200: { description: 'The client (with `clientSecret` only when one was made now).', schema: oidcClientWithSecretSchema } },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'not_found', 'validation_failed'],
  },
  deleteOidcClient: {
    method: 'delete',
    path: '/v1/admin/oidc/clients/{clientId}',
    tag: 'oidc',
    summary: 'Remove an OpenID client',
    auth: 'admin',
    parameters: [oidcClientIdParam],
    responses: { 204: { description: 'Removed.' } },
    errors: ADMIN_ONE,
  },
  rotateOidcClientSecret: {
    method: 'post',
    path: '/v1/admin/oidc/clients/{clientId}/secret',
    tag: 'oidc',
    summary: "Replace an OpenID client's secret",
    description: 'The old secret stops working at once. Refused for clients that authenticate without a secret.',
    auth: 'admin',
    parameters: [oidcClientIdParam],
    responses: { 200: { description: 'The client with its new `clientSecret` (shown once).', schema: oidcClientWithSecretSchema } },
    errors: ['unauthorized', 'forbidden', 'not_found', 'validation_failed'],
  },
  // --- Observability (#23): audit log, webhook subscriptions and deliveries, journey analytics ---
  listAudit: {
    method: 'get',
    path: '/v1/admin/audit',
    tag: 'admin',
    summary: 'The audit log of admin changes, newest first (append-only: no route changes it)',
    auth: 'admin',
    query: {
      schema: auditQuerySchema,
      descriptions: {
        action: 'e.g. `journey.published`.',
        actor: 'A key name (`admin`, an app key name, `system`).',
        targetType: 'e.g. `journey`, `user`, `webhook`.',
        targetId: 'e.g. a journey id (with targetType).',
        from: 'Entries at or after this instant.',
        to: 'Entries before this instant.',
        before: "The previous page's `next`.",
        limit: '1 to 3 digits; default 50, capped at 200.',
      },
      validate: true,
    },
    responses: { 200: { description: 'A page of entries.', schema: auditPageSchema } },
    errors: ['invalid_request', 'unauthorized', 'forbidden'],
  },
  getJourneyAnalytics: {
    method: 'get',
    path: '/v1/admin/journeys/{journeyId}/analytics',
    tag: 'admin',
    summary: "A journey's funnel: per step entered, left by branch, failed by error code, abandoned, wait times; totals and a time series",
    description:
      'Sessions count in the hour they started, once they have ended or expired (test runs are not counted). `from` and `to` are rounded ' +
      'out to whole hours; the default is the last 7 days; at most 366 days.',
    auth: 'admin',
    parameters: [journeyIdParam],
    query: {
      schema: analyticsQuerySchema,
      descriptions: { version: 'One published version (default: all).', from: 'Start of the range (default: 7 days before `to`).', to: 'End of the range (default: now).' },
      validate: true,
    },
    responses: { 200: { description: 'The funnel.', schema: journeyAnalyticsSchema } },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'not_found'],
  },
  listWebhooks: {
    method: 'get',
    path: '/v1/admin/webhooks',
    tag: 'admin',
    summary: 'Webhook subscriptions (never their secrets)',
    auth: 'admin',
    responses: { 200: { description: 'Subscriptions.', schema: list(webhookSubscriptionSchema) } },
    errors: ADMIN_READ,
  },
  createWebhook: {
    method: 'post',
    path: '/v1/admin/webhooks',
    tag: 'admin',
    summary: 'Subscribe a URL to events (Standard Webhooks); the signing secret is answered this once',
    auth: 'admin',
    body: { schema: webhookCreateBodySchema, required: true },
    responses: { 201: { description: 'The subscription and its secret.', schema: webhookCreatedSchema } },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'validation_failed'],
  },
  deleteWebhook: {
    method: 'delete',
    path: '/v1/admin/webhooks/{webhookId}',
    tag: 'admin',
    summary: 'Remove a subscription and its undelivered deliveries',
    auth: 'admin',
    parameters: [{ name: 'webhookId', in: 'path', required: true, schema: { type: 'string' } }],
    responses: { 204: { description: 'Removed.' } },
    errors: ADMIN_ONE,
  },
  listWebhookDeliveries: {
    method: 'get',
    path: '/v1/admin/webhook-deliveries',
    tag: 'admin',
    summary: 'Webhook deliveries, newest first: pending, delivered, dead (every attempt failed)',
    auth: 'admin',
    query: { schema: webhookDeliveryQuerySchema, descriptions: { limit: '1 to 3 digits; default 50, capped at 200.' }, validate: true },
    responses: { 200: { description: 'Deliveries.', schema: list(webhookDeliverySchema) } },
    errors: ['invalid_request', 'unauthorized', 'forbidden'],
  },
  retryWebhookDelivery: {
    method: 'post',
    path: '/v1/admin/webhook-deliveries/{deliveryId}/retry',
    tag: 'admin',
    summary: 'Send a dead delivery again (same webhook-id), from attempt 1',
    auth: 'admin',
    parameters: [{ name: 'deliveryId', in: 'path', required: true, schema: { type: 'string' } }],
    responses: { 200: { description: 'The delivery, pending again.', schema: webhookDeliverySchema } },
    errors: ['unauthorized', 'forbidden', 'not_found', 'conflict'],
  },
  // ---- Journey semantic diff (#19) ----
  getJourneyDiff: {
    method: 'get',
    path: '/v1/admin/journeys/{journeyId}/diff',
    tag: 'admin',
    summary: 'What one version of a journey changes from another (or the draft): steps, config by pointer, branches, start, settings, input',
    description:
      'Layout and key order are not changes; a renamed step is one `step_renamed`. A version that does not exist (or a journey without ' +
      'one) answers 404; `from` and `to` other than a version number or `draft` answer 400.',
    auth: 'admin',
    parameters: [journeyIdParam],
    query: {
      schema: journeyDiffQuerySchema,
      descriptions: { from: 'A published version number, or `draft`.', to: 'A published version number, or `draft`.' },
      validate: true,
    },
    responses: { 200: { description: 'The changes, in the order of the steps they concern.', schema: journeyDiffSchema } },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'not_found'],
  },
  health: {
    method: 'get',
    path: '/healthz',
    tag: 'operations',
    summary: 'Liveness',
    auth: 'none',
    responses: { 200: { description: 'The process serves.', schema: healthSchema } },
    errors: [],
  },
  ready: {
    method: 'get',
    path: '/readyz',
    tag: 'operations',
    summary: 'Readiness (the database answers)',
    auth: 'none',
    responses: { 200: { description: 'Ready.', schema: readySchema }, 503: { description: 'The database does not answer.', schema: unavailableSchema } },
    errors: [],
  },
  metrics: {
    method: 'get',
    path: '/metrics',
    tag: 'operations',
    summary: 'Prometheus metrics',
    auth: 'none',
    responses: { 200: { description: 'The Prometheus text format.', media: 'text/plain', schema: { type: 'string' } } },
    errors: [],
  },
  openapi: {
    method: 'get',
    path: '/openapi.json',
    tag: 'operations',
    summary: 'This document',
    auth: 'none',
    responses: { 200: { description: 'The OpenAPI 3.1 document.', schema: openApiSchema } },
    errors: [],
  },
} as const satisfies Record<string, OperationSpec>;

export type OperationId = keyof typeof ROUTES;
