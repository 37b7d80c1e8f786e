/**
 * The OpenAPI 3.1 description of the HTTP API, served at `GET /openapi.json`. Request bodies and
 * the journey document use the very schemas the server validates with (request-schemas.ts,
 * journey-schema.ts); the response shapes that had no schema yet are written here, `as const`, so
 * the typed client (client/) derives its types from them with json-schema-to-ts.
 *
 * Pure: no Node or express imports, so the client may import these schemas in a browser too.
 */
import { ERROR_CODES, ERROR_STATUS, ERROR_TABLE, type ErrorCode as EngineErrorCode } from './contract/error-table.js';
import { JOURNEY_ID_PATTERN } from '../journey/journey-schema.js';
import {
  DIAGNOSTIC_CODES,
  diagnosticSchema,
  draftSchema,
  errorBodySchema,
  journeyDocumentSchema as journeyComponent,
  journeySummarySchema,
  journeyViewSchema,
  jwksSchema,
  outboxMessageSchema,
  publishResultSchema,
  sessionDetailSchema,
  sessionListQuerySchema,
  sessionSummarySchema,
  startBodySchema,
  stepCatalogueEntrySchema,
  stepOptionSchema,
  stepResponseSchema,
  submitBodySchema,
  testRunBodySchema,
  timelineEventSchema,
  tokenValidationSchema,
  userSchema,
  validateTokenBodySchema,
  validationResultSchema,
} from './contract/schemas.js';
export { DIAGNOSTIC_CODES };

// ---------------------------------------------------------------------------------------------
// Error codes and statuses (the API's error table)
// ---------------------------------------------------------------------------------------------

export { ERROR_STATUS };

export { ERROR_CODES };

// ---------------------------------------------------------------------------------------------
// The document
// ---------------------------------------------------------------------------------------------

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ 'application/json': { schema } });

type Security = Array<Record<string, string[]>>;
const NONE: Security = [];
const ADMIN: Security = [{ adminKey: [] }];
const APP_OR_ADMIN: Security = [{ appKey: [] }, { adminKey: [] }];
const OPTIONAL_KEY: Security = [{}, { appKey: [] }, { adminKey: [] }];
const SESSION: Security = [{ sessionToken: [] }];



const requestIdHeader = { 'X-Request-Id': { $ref: '#/components/headers/RequestId' } };

/** One error response per status, its code enum narrowed to the codes this route can answer. */
function errors(codes: EngineErrorCode[]): Record<string, object> {
  const byStatus = new Map<number, EngineErrorCode[]>();
  for (const code of [...codes, 'internal' as const]) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, object> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    responses[String(status)] = {
      description: list.map((code) => `\`${code}\`: ${ERROR_TABLE[code].when}`).join('; '),
      headers: {
        ...requestIdHeader,
        ...(status === 429 ? { 'Retry-After': { description: 'Seconds until the window resets.', schema: { type: 'integer' } } } : {}),
      },
      content: json({
        allOf: [ref('Error'), { properties: { error: { properties: { code: { enum: list } } } } }],
      }),
    };
  }
  return responses;
}

/** Email link pages: HTML at every status (a 500 page too), never JSON. */
function linkPages(statuses: Record<string, string>): Record<string, object> {
  const html = { 'text/html': { schema: { type: 'string' } } };
  const headers = { ...requestIdHeader, 'Cache-Control': { schema: { const: 'no-store' } } };
  const pages: Record<string, object> = {};
  for (const [status, description] of Object.entries({ ...statuses, '500': 'A bug: a page saying nothing was changed.' })) {
    pages[status] = { description, headers, content: html };
  }
  return pages;
}

function ok(description: string, schema?: object, headers: Record<string, object> = {}) {
  return { description, headers: { ...requestIdHeader, ...headers }, ...(schema ? { content: json(schema) } : {}) };
}

const etagHeader = { ETag: { description: 'The draft revision, e.g. `"3"`; send it back in If-Match.', schema: { type: 'string' } } };

const journeyIdParam = {
  name: 'journeyId',
  in: 'path',
  required: true,
  description: 'A journey id; one that does not match the pattern answers 404.',
  schema: { type: 'string', pattern: JOURNEY_ID_PATTERN },
};
const sessionIdParam = { name: 'sessionId', in: 'path', required: true, schema: { type: 'string' } };
const versionParam = { name: 'version', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const userIdParam = { name: 'userId', in: 'path', required: true, schema: { type: 'string' } };

function operation(
  operationId: string,
  summary: string,
  tags: string[],
  security: Security,
  responses: Record<string, object>,
  extra: Record<string, unknown> = {},
) {
  return { operationId, summary, tags, security, ...extra, responses };
}

const sessionListParameters = Object.entries(sessionListQuerySchema.properties).map(([name, schema]) => ({
  name,
  in: 'query',
  required: false,
  schema,
  ...(name === 'limit' ? { description: '1 to 4 digits; default 50, capped at 500.' } : {}),
}));

function buildDocument() {
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: 'Journey engine HTTP API',
      version: '1',
      description:
        'Apps start journeys, answer their steps and validate the resulting tokens; admins manage journeys. ' +
        'Every refusal answers `{ "error": { "code", "message", "details"? } }` with the status of its code.',
    },
    tags: [
      { name: 'sessions', description: 'Running journeys (apps and browsers).' },
      { name: 'tokens', description: 'Result tokens.' },
      { name: 'admin', description: 'The admin API (admin key).' },
      { name: 'operations', description: 'Health, metrics and this document.' },
      { name: 'links', description: 'Email link pages (`email.link`): HTML for browsers, not JSON.' },
    ],
    paths: {
      '/v1/journeys/{journeyId}/start': {
        post: operation(
          'startJourney',
          "Start a session on the journey's latest published version",
          ['sessions'],
          OPTIONAL_KEY,
          { '200': ok('The first step response.', ref('StepResponse')), ...errors(['invalid_request', 'unauthorized', 'not_found', 'validation_failed', 'rate_limited']) },
          {
            description:
              'A journey whose `settings.public` is not true needs an app or admin key. A key that is present but unknown is refused (401). ' +
              'A request without a `journey_device` cookie gets one (HttpOnly, SameSite=Lax): email links tell the browser that started by it.',
            parameters: [{ ...journeyIdParam, description: 'The journey id.' }],
            requestBody: { required: false, content: json(ref('StartBody')) },
          },
        ),
      },
      '/v1/sessions/{sessionId}': {
        get: operation('getSession', 'The current step response of a session', ['sessions'], SESSION, {
          '200': ok('The current step response.', ref('StepResponse')),
          ...errors(['unauthorized', 'not_found', 'session_expired']),
        }, { parameters: [sessionIdParam] }),
      },
      '/v1/sessions/{sessionId}/submit': {
        post: operation(
          'submitStep',
          "Answer the session's waiting step",
          ['sessions'],
          SESSION,
          {
            '200': ok('The next step response.', ref('StepResponse')),
            ...errors(['invalid_request', 'unauthorized', 'not_found', 'stale_step', 'conflict', 'session_ended', 'session_expired', 'validation_failed', 'rate_limited']),
          },
          {
            description: 'A refused submit changes nothing in the session. A request without a `journey_device` cookie gets one, as on start.',
            parameters: [sessionIdParam],
            requestBody: { required: true, content: json(ref('SubmitBody')) },
          },
        ),
      },
      '/v1/tokens/validate': {
        post: operation(
          'validateToken',
          'Validate a result token (once)',
          ['tokens'],
          APP_OR_ADMIN,
          { '200': ok('The validation.', ref('TokenValidation')), ...errors(['invalid_request', 'unauthorized']) },
          { requestBody: { required: true, content: json(ref('ValidateTokenBody')) } },
        ),
      },
      '/.well-known/jwks.json': {
        get: operation('getJwks', 'The public keys that verify tokens', ['tokens'], NONE, {
          '200': ok('The JWKS (cacheable for 5 minutes).', ref('Jwks'), { 'Cache-Control': { schema: { type: 'string' } } }),
          ...errors([]),
        }),
      },
      '/v1/links/{token}': {
        parameters: [{ name: 'token', in: 'path', required: true, description: 'The link token from the email (never logged).', schema: { type: 'string' } }],
        get: operation(
          'showEmailLink',
          'The page of an email link: one button; changes nothing',
          ['links'],
          NONE,
          linkPages({
            '200': 'The link can be used: a page with one button (a form POST to this same address).',
            '404': 'No such link (or a newer link of the step replaced it).',
            '409': 'The session no longer waits for this link (ended, expired, moved on or deleted).',
            '410': 'The link was used, has expired, or was blocked after 3 wrong codes.',
          }),
          { description: 'Mail scanners that prefetch links consume nothing: only the POST proves the link. `Cache-Control: no-store`, `Referrer-Policy: no-referrer`, a CSP without script.' },
        ),
        post: operation(
          'useEmailLink',
          'Prove an email link and resume its waiting session',
          ['links'],
          NONE,
          linkPages({
            '200': 'Proved (the session moved on: "continue in the window where you started" / "return to your other device"), or, from another browser of a step that allows it, the page asking for the code.',
            '400': 'A wrong code (attempts left), a code over 16 characters, or an unreadable body.',
            '403': 'Another browser than the one that started (no or another `journey_device` cookie) and the step does not allow other devices.',
            '404': 'No such link (or a newer link of the step replaced it).',
            '409': 'The session no longer waits for this link (ended, expired, moved on or deleted).',
            '410': 'The link was used, has expired, or was blocked (the third wrong code answers this too).',
          }),
          {
            description:
              'In the browser that started (its `journey_device` cookie hashes to the one the link was sent from) the link is consumed and the session resumed with the step\'s `check`. Elsewhere only with `allowOtherDevice`, after typing the code the first screen shows; 3 wrong codes block the link.',
            requestBody: {
              required: false,
              content: {
                'application/x-www-form-urlencoded': {
                  schema: { type: 'object', properties: { code: { type: 'string', maxLength: 16, description: 'The code the first screen shows (other browsers only).' } } },
                },
              },
            },
          },
        ),
      },
      '/v1/admin/steps': {
        get: operation('listSteps', 'The step catalogue', ['admin'], ADMIN, {
          '200': ok('Registered step types, sorted by type.', { type: 'array', items: ref('StepCatalogueEntry') }),
          ...errors(['unauthorized', 'forbidden']),
        }),
      },
      '/v1/admin/validate': {
        post: operation(
          'validateJourney',
          'Validate a journey document (nothing is saved)',
          ['admin'],
          ADMIN,
          { '200': ok('Diagnostics.', ref('ValidationResult')), ...errors(['invalid_request', 'unauthorized', 'forbidden']) },
          { requestBody: { required: true, content: json(ref('DraftJourney')) } },
        ),
      },
      '/v1/admin/journeys': {
        get: operation('listJourneys', 'Journeys, sorted by id', ['admin'], ADMIN, {
          '200': ok('Journey summaries.', { type: 'array', items: ref('JourneySummary') }),
          ...errors(['unauthorized', 'forbidden']),
        }),
      },
      '/v1/admin/journeys/{journeyId}': {
        parameters: [journeyIdParam],
        get: operation('getJourney', 'The draft, its diagnostics and its versions', ['admin'], ADMIN, {
          '200': ok('The journey.', ref('JourneyView'), etagHeader),
          ...errors(['unauthorized', 'forbidden', 'not_found']),
        }),
        put: operation(
          'saveJourney',
          'Save the draft (saved even with errors)',
          ['admin'],
          ADMIN,
          {
            '200': ok('Saved; diagnostics of the draft.', ref('ValidationResult'), etagHeader),
            ...errors(['invalid_request', 'unauthorized', 'forbidden', 'not_found', 'conflict']),
          },
          {
            description: 'A body without `id` gets the path id; an `id` that differs answers 400.',
            parameters: [
              {
                name: 'If-Match',
                in: 'header',
                required: false,
                description: '`"N"` or `W/"N"`: save only while the revision is N (`"0"`: only if no draft exists); `*` or none: unconditionally.',
                schema: { type: 'string' },
              },
            ],
            requestBody: { required: true, content: json(ref('DraftJourney')) },
          },
        ),
        delete: operation('deleteJourney', 'Delete the draft and hide every version', ['admin'], ADMIN, {
          '204': ok('Deleted; running sessions finish on their version.'),
          ...errors(['unauthorized', 'forbidden', 'not_found']),
        }),
      },
      '/v1/admin/journeys/{journeyId}/publish': {
        parameters: [journeyIdParam],
        post: operation('publishJourney', 'Publish the draft as a new version', ['admin'], ADMIN, {
          '201': ok('The new version.', ref('PublishResult')),
          ...errors(['unauthorized', 'forbidden', 'not_found', 'validation_failed']),
        }),
      },
      '/v1/admin/journeys/{journeyId}/versions/{version}': {
        parameters: [journeyIdParam, versionParam],
        get: operation('getJourneyVersion', "A published version's document, unchanged forever", ['admin'], ADMIN, {
          '200': ok('The document.', ref('Journey')),
          ...errors(['unauthorized', 'forbidden', 'not_found']),
        }),
      },
      '/v1/admin/journeys/{journeyId}/versions/{version}/restore': {
        parameters: [journeyIdParam, versionParam],
        post: operation('restoreJourneyVersion', 'Copy a version into the draft', ['admin'], ADMIN, {
          '200': ok('The draft diagnostics.', ref('ValidationResult'), etagHeader),
          ...errors(['unauthorized', 'forbidden', 'not_found']),
        }),
      },
      '/v1/admin/journeys/{journeyId}/test-runs': {
        parameters: [journeyIdParam],
        post: operation(
          'testRunJourney',
          'Start a session of the draft (or a version), public or not',
          ['admin'],
          ADMIN,
          {
            '200': ok('The first step response; journeyVersion is null for the draft.', ref('StepResponse')),
            ...errors(['invalid_request', 'unauthorized', 'forbidden', 'not_found', 'validation_failed']),
          },
          { requestBody: { required: false, content: json(ref('TestRunBody')) } },
        ),
      },
      '/v1/admin/sessions': {
        get: operation(
          'listSessions',
          'Sessions, newest first',
          ['admin'],
          ADMIN,
          { '200': ok('Session summaries.', { type: 'array', items: ref('SessionSummary') }), ...errors(['invalid_request', 'unauthorized', 'forbidden']) },
          { parameters: sessionListParameters },
        ),
      },
      '/v1/admin/sessions/{sessionId}': {
        get: operation(
          'getSessionTimeline',
          'A session and its timeline (secrets redacted)',
          ['admin'],
          ADMIN,
          { '200': ok('The session.', ref('SessionDetail')), ...errors(['unauthorized', 'forbidden', 'not_found']) },
          { parameters: [sessionIdParam] },
        ),
      },
      '/v1/admin/outbox': {
        get: operation(
          'listOutbox',
          'Messages of the development channel, newest first (at most 200)',
          ['admin'],
          ADMIN,
          { '200': ok('Messages.', { type: 'array', items: ref('OutboxMessage') }), ...errors(['unauthorized', 'forbidden']) },
          {
            parameters: [
              { name: 'sessionId', in: 'query', required: false, schema: { type: 'string' } },
              { name: 'to', in: 'query', required: false, schema: { type: 'string' } },
            ],
          },
        ),
      },
      '/v1/admin/users': {
        get: operation(
          'listUsers',
          'Users with their authenticators (at most 200)',
          ['admin'],
          ADMIN,
          { '200': ok('Users.', { type: 'array', items: ref('User') }), ...errors(['unauthorized', 'forbidden']) },
          { parameters: [{ name: 'username', in: 'query', required: false, description: 'Exact match after normalising.', schema: { type: 'string' } }] },
        ),
      },
      '/v1/admin/users/{userId}': {
        parameters: [userIdParam],
        get: operation('getUser', 'One user', ['admin'], ADMIN, { '200': ok('The user.', ref('User')), ...errors(['unauthorized', 'forbidden', 'not_found']) }),
        delete: operation('deleteUser', 'Erase the user and everything stored about them', ['admin'], ADMIN, {
          '204': ok('Erased.'),
          ...errors(['unauthorized', 'forbidden', 'not_found']),
        }),
      },
      '/v1/admin/users/{userId}/unlock': {
        parameters: [userIdParam],
        post: operation('unlockUser', 'Clear lockouts and failure counts', ['admin'], ADMIN, {
          '200': ok('The user.', ref('User')),
          ...errors(['unauthorized', 'forbidden', 'not_found']),
        }),
      },
      '/v1/admin/users/{userId}/authenticators/{authenticatorId}': {
        parameters: [userIdParam, { name: 'authenticatorId', in: 'path', required: true, schema: { type: 'string' } }],
        delete: operation('deleteAuthenticator', 'Remove one authenticator', ['admin'], ADMIN, {
          '204': ok('Removed.'),
          ...errors(['unauthorized', 'forbidden', 'not_found']),
        }),
      },
      '/healthz': {
        get: operation('health', 'Liveness', ['operations'], NONE, {
          '200': ok('The process serves.', { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } }),
          ...errors([]),
        }),
      },
      '/readyz': {
        get: operation('ready', 'Readiness (the database answers)', ['operations'], NONE, {
          '200': ok('Ready.', { type: 'object', required: ['status'], properties: { status: { const: 'ready' } } }),
          '503': ok('The database does not answer.', { type: 'object', required: ['status'], properties: { status: { const: 'unavailable' } } }),
          ...errors([]),
        }),
      },
      '/metrics': {
        get: operation('metrics', 'Prometheus metrics', ['operations'], NONE, {
          '200': { description: 'The Prometheus text format.', headers: requestIdHeader, content: { 'text/plain': { schema: { type: 'string' } } } },
          ...errors([]),
        }),
      },
      '/openapi.json': {
        get: operation('openapi', 'This document', ['operations'], NONE, {
          '200': ok('The OpenAPI 3.1 document.', { type: 'object', required: ['openapi', 'info', 'paths'] }),
          ...errors([]),
        }),
      },
    },
    components: {
      securitySchemes: {
        adminKey: { type: 'http', scheme: 'bearer', description: 'ADMIN_API_KEY: everything under /v1 except the session routes.' },
        appKey: { type: 'http', scheme: 'bearer', description: 'One of APP_API_KEYS: start any journey and validate tokens; not the admin API.' },
        sessionToken: { type: 'http', scheme: 'bearer', description: 'The `sessionToken` of a step response: that one session only.' },
      },
      headers: {
        RequestId: { description: 'The request id (yours when it matches `^[A-Za-z0-9._-]{1,64}$`).', schema: { type: 'string' } },
      },
      schemas: {
        Error: errorBodySchema,
        ErrorCode: { type: 'string', enum: ERROR_CODES },
        StartBody: startBodySchema,
        SubmitBody: submitBodySchema,
        ValidateTokenBody: validateTokenBodySchema,
        TestRunBody: testRunBodySchema,
        StepResponse: stepResponseSchema,
        StepOption: stepOptionSchema,
        TokenValidation: tokenValidationSchema,
        Journey: journeyComponent,
        DraftJourney: draftSchema,
        Diagnostic: diagnosticSchema,
        ValidationResult: validationResultSchema,
        JourneySummary: journeySummarySchema,
        JourneyView: journeyViewSchema,
        PublishResult: publishResultSchema,
        SessionSummary: sessionSummarySchema,
        SessionDetail: sessionDetailSchema,
        TimelineEvent: timelineEventSchema,
        StepCatalogueEntry: stepCatalogueEntrySchema,
        OutboxMessage: outboxMessageSchema,
        User: userSchema,
        Jwks: jwksSchema,
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildDocument>;

let cached: string | undefined;

/** The document (a fresh copy each call, so callers may change it freely). */
export function openApiDocument(): OpenApiDocument {
  cached ??= JSON.stringify(buildDocument());
  return JSON.parse(cached) as OpenApiDocument;
}
