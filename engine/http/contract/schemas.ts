/**
 * Every external shape of the HTTP API, written once as a JSON Schema `as const`: the server
 * validates requests with them, the OpenAPI document publishes them, and the engine, the client
 * and the designer derive their types from them (types.ts).
 *
 * Pure data: the client and the designer import it in browsers, so no Node or express imports.
 */
import { DIAGNOSTIC_CODES, diagnosticSchema, validationResultSchema } from '../../journey/diagnostics.js';
import { JOURNEY_ID_PATTERN, STEP_ID_PATTERN, journeySchema } from '../../journey/journey-schema.js';
import { ERROR_CODES, type ErrorCode } from './error-table.js';

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

export const startBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    input: { type: 'object' },
    ui: {
      type: 'object',
      additionalProperties: false,
      properties: { redirectUrl: { type: 'string', minLength: 1, maxLength: 2048 } },
    },
  },
} as const;

export const submitBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['stepId', 'option'],
  properties: {
    stepId: { type: 'string', minLength: 1, maxLength: 64 },
    option: { type: 'string', minLength: 1, maxLength: 64 },
    data: {},
  },
} as const;

export const validateTokenBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token'],
  properties: {
    token: { type: 'string', minLength: 1, maxLength: 8192 },
    /** Refuse (without using it up) a token from another journey. */
    journeyId: { type: 'string', minLength: 1, maxLength: 128 },
    /** Refuse (without using it up) a token whose `amr` lacks any of these. */
    requireAmr: { type: 'array', maxItems: 8, uniqueItems: true, items: { type: 'string', enum: ['pwd', 'otp', 'sms', 'email', 'hwk', 'swk', 'mfa'] } },
  },
} as const;

export const testRunBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    input: { type: 'object' },
    version: { type: 'integer', minimum: 1 },
  },
} as const;

/** A journey document as sent to validate or save: any object (the validator reports the rest). */
export const journeyBodySchema = { type: 'object' } as const;

export const sessionListQuerySchema = {
  type: 'object',
  properties: {
    journeyId: { type: 'string' },
    status: { type: 'string', enum: ['waiting', 'completed', 'rejected', 'failed'] },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
  },
} as const;

export { DIAGNOSTIC_CODES, diagnosticSchema, validationResultSchema };

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

const timestamp = { type: 'string', format: 'date-time' } as const;
export const sessionStatusSchema = { type: 'string', enum: ['waiting', 'completed', 'rejected', 'failed'] } as const;
const jsonObject = { type: 'object' } as const;

export const errorBodySchema = {
  type: 'object',
  description: 'Every refusal: a status of the error table and this body. Never a stack trace.',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', enum: ERROR_CODES as readonly ErrorCode[] },
        message: { type: 'string' },
        details: {
          description:
            'Only for some refusals: `errors` (schema errors), `options` (valid option ids), `currentStepId` (stale_step), `diagnostics` (publish, test run).',
        },
      },
    },
  },
} as const;

export const stepOptionSchema = {
  type: 'object',
  required: ['id'],
  properties: {
    id: { type: 'string' },
    label: { type: 'string' },
    schema: { type: 'object', description: "The option's JSON Schema exactly as in the journey; absent when the option takes no data." },
  },
} as const;

export const stepErrorSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    // issue #21: what a client needs to say the message in its own language (invalid_code's count).
    attemptsLeft: { type: 'integer', minimum: 0, description: 'invalid_code: the attempts left before the code stops working or the account locks.' },
    retryAfter: { type: 'integer', minimum: 0, description: 'rate_limited (a step\'s, e.g. passkeys): the seconds to wait before trying again.' },
  },
} as const;

export const stepResponseSchema = {
  type: 'object',
  description: 'What start, submit, get and admin test runs answer.',
  required: ['sessionId', 'sessionToken', 'journeyId', 'journeyVersion', 'status', 'step', 'error', 'result', 'url'],
  properties: {
    sessionId: { type: 'string', format: 'uuid' },
    sessionToken: { type: 'string', minLength: 1, description: 'The bearer token of this session (sessionToken security scheme).' },
    journeyId: { type: 'string', pattern: JOURNEY_ID_PATTERN },
    journeyVersion: { type: ['integer', 'null'], minimum: 1, description: 'null for an admin test run of the draft.' },
    status: sessionStatusSchema,
    step: {
      type: ['object', 'null'],
      description: 'While waiting: the step to show; otherwise null.',
      required: ['id', 'type', 'name', 'data', 'options'],
      properties: {
        id: { type: 'string', pattern: STEP_ID_PATTERN },
        type: { type: 'string' },
        name: { type: 'string' },
        data: { type: 'object', description: 'What the client must show; each step type defines it.' },
        options: { type: 'array', items: stepOptionSchema },
      },
    },
    error: {
      type: ['object', 'null'],
      description: 'rejected or failed: why it ended. waiting: the last step failure or refused answer since the previous submit.',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
    result: {
      type: ['object', 'null'],
      description: 'completed: the token and the evaluated claims of the complete step.',
      required: ['token', 'claims'],
      properties: { token: { type: 'string', description: 'An ES256 JWT, valid once.' }, claims: jsonObject },
    },
    url: { type: ['string', 'null'], description: "The hosted runner's address when the start asked for `ui`." },
    ui: {
      type: 'object',
      description: 'Present when the start asked for the hosted runner.',
      properties: {
        redirectUrl: { type: ['string', 'null'] },
        texts: {
          type: 'object',
          description: "The journey's `texts` (its own texts by locale, then by the text as written), for the hosted runner.",
          additionalProperties: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
  },
  allOf: [
    {
      if: { properties: { status: { const: 'waiting' } } },
      then: { properties: { step: { type: 'object' }, result: { type: 'null' } } },
    },
    {
      if: { properties: { status: { const: 'completed' } } },
      then: { properties: { step: { type: 'null' }, result: { type: 'object' }, error: { type: 'null' } } },
    },
    {
      if: { properties: { status: { enum: ['rejected', 'failed'] } } },
      then: { properties: { step: { type: 'null' }, result: { type: 'null' }, error: { type: 'object' } } },
    },
  ],
} as const;

export const tokenValidationSchema = {
  description: 'Always 200 for a well-formed request; a token is valid once.',
  oneOf: [
    {
      type: 'object',
      required: ['valid', 'state', 'journeyId', 'journeyVersion', 'sessionId', 'userId', 'amr', 'authTime', 'claims'],
      additionalProperties: false,
      properties: {
        valid: { const: true },
        state: { const: 'CHALLENGE_SUCCEEDED' },
        journeyId: { type: 'string' },
        journeyVersion: { type: ['integer', 'null'] },
        sessionId: { type: 'string' },
        userId: { type: ['string', 'null'], description: 'The established user (sub); null when the session established none.' },
        amr: { type: 'array', items: { type: 'string' }, description: 'RFC 8176 methods the user proved; empty when none.' },
        authTime: { type: ['integer', 'null'], description: 'auth_time: when the last factor was proved (seconds since the epoch).' },
        claims: jsonObject,
      },
    },
    {
      type: 'object',
      required: ['valid', 'reason'],
      additionalProperties: false,
      properties: {
        valid: { const: false },
        reason: {
          type: 'string',
          enum: ['invalid', 'already_used', 'journey_mismatch', 'insufficient_authentication'],
          description: 'journey_mismatch and insufficient_authentication leave the token unused.',
        },
      },
    },
  ],
} as const;


export const journeySummarySchema = {
  type: 'object',
  required: ['id', 'name', 'updatedAt', 'latestVersion'],
  properties: { id: { type: 'string' }, name: { type: 'string' }, updatedAt: timestamp, latestVersion: { type: ['integer', 'null'] } },
} as const;

export const versionSummarySchema = {
  type: 'object',
  required: ['version', 'publishedAt'],
  properties: { version: { type: 'integer', minimum: 1 }, publishedAt: timestamp },
} as const;

/** A saved draft: any object (drafts with errors are saved all the same, and reported). */
export const draftSchema = {
  ...journeyBodySchema,
  description: 'A journey document as saved (see Journey); it may have errors, reported in diagnostics.',
} as const;

export const journeyViewSchema = {
  type: 'object',
  required: ['draft', 'diagnostics', 'versions'],
  additionalProperties: false,
  properties: {
    draft: draftSchema,
    diagnostics: { type: 'array', items: diagnosticSchema },
    versions: { type: 'array', items: versionSummarySchema },
  },
} as const;

export const sessionSummarySchema = {
  type: 'object',
  required: ['sessionId', 'journeyId', 'journeyVersion', 'status', 'stepId', 'createdAt', 'updatedAt'],
  properties: {
    sessionId: { type: 'string' },
    journeyId: { type: 'string' },
    journeyVersion: { type: ['integer', 'null'] },
    status: sessionStatusSchema,
    stepId: { type: ['string', 'null'] },
    createdAt: timestamp,
    updatedAt: timestamp,
  },
} as const;

export const timelineEventSchema = {
  type: 'object',
  required: ['at', 'stepId', 'type', 'event'],
  properties: {
    at: timestamp,
    stepId: { type: ['string', 'null'] },
    type: { type: ['string', 'null'] },
    event: { type: 'string', enum: ['entered', 'submitted', 'branch', 'error', 'ended'] },
    option: { type: 'string' },
    branch: { type: 'string' },
    error: stepErrorSchema,
    durationMs: { type: 'number' },
    variables: { type: 'object', description: 'Redacted.' },
    data: { type: 'object', description: 'The submitted data, redacted.' },
    // Sub-journeys (#20): ids of a called journey's events are `<callStepId>/<childStepId>`.
    journey: {
      type: 'object',
      required: ['id', 'version'],
      properties: { id: { type: 'string' }, version: { type: 'integer' } },
      description: 'On the first event of a called journey: the journey and the version the call resolved (kept for the session).',
    },
  },
} as const;

export const sessionDetailSchema = {
  type: 'object',
  required: ['session', 'timeline'],
  properties: { session: sessionSummarySchema, timeline: { type: 'array', items: timelineEventSchema } },
} as const;

export const stepCatalogueEntrySchema = {
  type: 'object',
  required: ['type', 'title', 'category', 'description', 'configSchema', 'branches', 'interactive', 'terminal'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    category: { type: 'string', enum: ['input', 'logic', 'data', 'identity', 'authentication', 'integration', 'outcome'] },
    description: { type: 'string' },
    configSchema: jsonObject,
    branches: {
      oneOf: [
        { type: 'array', items: { type: 'string' } },
        {
          type: 'object',
          required: ['from', 'key'],
          properties: { from: { type: 'string' }, key: { type: 'string' }, extra: { type: 'array', items: { type: 'string' } } },
        },
      ],
    },
    interactive: { type: 'boolean' },
    terminal: { type: 'boolean' },
    // Data flow (issue #19): what the step writes, per branch; absent when its type declares nothing.
    writes: { ...jsonObject, description: 'What the step writes into the session (StepWrites, docs/custom-steps.md).' },
  },
} as const;

export const outboxMessageSchema = {
  type: 'object',
  required: ['id', 'channel', 'to', 'body', 'sessionId', 'createdAt'],
  properties: {
    id: { type: 'string' },
    channel: { type: 'string' },
    to: { type: 'string' },
    body: { type: 'string' },
    sessionId: { type: ['string', 'null'] },
    createdAt: timestamp,
  },
} as const;

export const userSchema = {
  type: 'object',
  required: ['id', 'username', 'attributes', 'createdAt', 'authenticators', 'lockouts'],
  properties: {
    id: { type: 'string' },
    username: { type: ['string', 'null'] },
    attributes: jsonObject,
    createdAt: timestamp,
    authenticators: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'type', 'createdAt', 'confirmedAt', 'lastUsedAt', 'lockedUntil'],
        properties: {
          id: { type: 'string' },
          type: { type: 'string' },
          createdAt: timestamp,
          confirmedAt: { type: ['string', 'null'] },
          lastUsedAt: { type: ['string', 'null'] },
          lockedUntil: { type: ['string', 'null'] },
          // Passkeys only (issue 17): what an admin needs to tell them apart; never the public key.
          name: { type: 'string', description: 'Passkeys: the name given at registration.' },
          aaguid: { type: 'string', description: 'Passkeys: the authenticator model (AAGUID; all zeros when the authenticator withholds it).' },
          backupEligible: { type: 'boolean', description: 'Passkeys: may be synced (amr swk) rather than bound to one device (hwk).' },
          backedUp: { type: 'boolean', description: 'Passkeys: synced to a backup, as the authenticator last said.' },
        },
      },
    },
    lockouts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'failures', 'lockedUntil'],
        properties: { kind: { type: 'string' }, failures: { type: 'integer' }, lockedUntil: { type: ['string', 'null'] } },
      },
    },
  },
} as const;

/** A publish answers the summary of the version it made. */
export const publishResultSchema = { ...versionSummarySchema, description: 'The version just published.' } as const;

export const jwksSchema = {
  type: 'object',
  required: ['keys'],
  properties: {
    keys: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kty', 'kid', 'alg'],
        properties: {
          kty: { const: 'EC' },
          crv: { const: 'P-256' },
          x: { type: 'string' },
          y: { type: 'string' },
          kid: { type: 'string' },
          alg: { const: 'ES256' },
          use: { const: 'sig' },
        },
      },
    },
  },
} as const;

/** The journey document schema without its root-only keywords, so it nests as a component. */
const { $schema: _schemaUri, $id: _schemaId, ...journeyDocument } = journeySchema;
export const journeyDocumentSchema = journeyDocument;

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

export const healthSchema = { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } } as const;
export const readySchema = { type: 'object', required: ['status'], properties: { status: { const: 'ready' } } } as const;
export const unavailableSchema = { type: 'object', required: ['status'], properties: { status: { const: 'unavailable' } } } as const;
export const openApiSchema = { type: 'object', required: ['openapi', 'info', 'paths'] } as const;

// ---- OpenID Connect provider (#18): relying parties managed like journeys ----

export const OIDC_CLIENT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
const absoluteUrl = { type: 'string', minLength: 1, maxLength: 2048 } as const;

/** What an admin says about a client (create and replace). */
const oidcClientFields = {
  clientName: { type: 'string', minLength: 1, maxLength: 128, description: 'Shown on the consent page.' },
  redirectUris: { type: 'array', minItems: 1, maxItems: 32, uniqueItems: true, items: absoluteUrl, description: 'Exact redirect URIs (no wildcards).' },
  postLogoutRedirectUris: { type: 'array', maxItems: 32, uniqueItems: true, items: absoluteUrl },
  tokenEndpointAuthMethod: {
    type: 'string',
    enum: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    description: '`none`: a public client (a browser or mobile app), which must use PKCE (S256). Default `client_secret_basic`.',
  },
  idTokenSignedResponseAlg: { type: 'string', enum: ['RS256', 'ES256'], description: 'How its ID tokens are signed. Default RS256.' },
  jwks: {
    type: 'object',
    required: ['keys'],
    properties: { keys: { type: 'array', minItems: 1, maxItems: 8, items: { type: 'object', required: ['kty'], properties: { kty: { type: 'string' } } } } },
    description: 'The public keys of a `private_key_jwt` client (or `jwksUri`).',
  },
  jwksUri: absoluteUrl,
  journeyId: { type: 'string', pattern: JOURNEY_ID_PATTERN, description: 'The journey that signs its users in.' },
  acrJourneys: {
    type: 'object',
    maxProperties: 16,
    propertyNames: { minLength: 1, maxLength: 256 },
    additionalProperties: { type: 'string', pattern: JOURNEY_ID_PATTERN },
    description: '`acr_values` entry → journey: a step-up asks for a stronger journey (e.g. `{ "urn:journey:mfa": "login-totp" }`).',
  },
  firstParty: { type: 'boolean', description: 'First-party clients skip the consent page. Default false.' },
} as const;

export const oidcClientBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['redirectUris', 'journeyId'],
  properties: oidcClientFields,
} as const;

export const createOidcClientBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['redirectUris', 'journeyId'],
  properties: { clientId: { type: 'string', pattern: OIDC_CLIENT_ID_PATTERN, description: 'Generated when absent.' }, ...oidcClientFields },
} as const;

export const oidcClientSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['clientId', 'redirectUris', 'postLogoutRedirectUris', 'tokenEndpointAuthMethod', 'idTokenSignedResponseAlg', 'journeyId', 'acrJourneys', 'firstParty', 'createdAt', 'updatedAt'],
  properties: {
    clientId: { type: 'string' },
    clientName: oidcClientFields.clientName,
    redirectUris: { type: 'array', items: { type: 'string' } },
    postLogoutRedirectUris: { type: 'array', items: { type: 'string' } },
    tokenEndpointAuthMethod: oidcClientFields.tokenEndpointAuthMethod,
    idTokenSignedResponseAlg: oidcClientFields.idTokenSignedResponseAlg,
    jwks: oidcClientFields.jwks,
    jwksUri: { type: 'string' },
    journeyId: { type: 'string' },
    acrJourneys: { type: 'object', additionalProperties: { type: 'string' } },
    firstParty: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** A client with its secret: answered once, when the secret is made (create, rotate). */
export const oidcClientWithSecretSchema = {
  ...oidcClientSchema,
  properties: { ...oidcClientSchema.properties, clientSecret: { type: 'string', description: 'Shown once; stored sealed.' } },
} as const;
// ---------------------------------------------------------------------------------------------
// Observability (#23): audit log, webhooks, journey analytics
// ---------------------------------------------------------------------------------------------

const digits = (max: number) => ({ type: 'string', pattern: `^[0-9]{1,${max}}$` }) as const;

export const auditQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    action: { type: 'string', maxLength: 100 },
    actor: { type: 'string', maxLength: 100 },
    targetType: { type: 'string', maxLength: 100 },
    targetId: { type: 'string', maxLength: 200 },
    from: timestamp,
    to: timestamp,
    before: digits(15),
    limit: digits(3),
  },
} as const;

export const auditEntrySchema = {
  type: 'object',
  required: ['seq', 'id', 'at', 'actor', 'action', 'targetType', 'targetId', 'clientAddress', 'details'],
  properties: {
    seq: { type: 'integer', description: 'Position in the log; pass it as `before` for older entries.' },
    id: { type: 'string' },
    at: timestamp,
    actor: { type: 'string', description: 'The name of the key that made the change (`admin`, an app key name, `system`); never the key.' },
    action: { type: 'string', description: 'e.g. `journey.published`, `user.deleted`.' },
    targetType: { type: 'string' },
    targetId: { type: 'string' },
    clientAddress: { type: ['string', 'null'] },
    details: { type: 'object', description: 'What changed: a semantic diff or the before/after; never secret material.' },
  },
} as const;

export const auditPageSchema = {
  type: 'object',
  required: ['entries', 'next'],
  properties: {
    entries: { type: 'array', items: auditEntrySchema },
    next: { type: ['string', 'null'], description: 'The `before` of the next (older) page; null on the last page.' },
  },
} as const;

/** Event types a subscription may name (`*`: all). */
export const WEBHOOK_EVENT_TYPE_NAMES = [
  'session.completed',
  'session.rejected',
  'session.failed',
  'authenticator.added',
  'authenticator.removed',
  'user.locked',
  'journey.published',
] as const;

export const webhookCreateBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'eventTypes'],
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2048, description: 'http(s) URL; checked against WEBHOOK_ALLOWED_HOSTS (else public addresses only).' },
    eventTypes: { type: 'array', minItems: 1, maxItems: 20, uniqueItems: true, items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPE_NAMES, '*'] } },
    description: { type: 'string', maxLength: 500 },
    format: {
      type: 'string',
      enum: ['standard', 'authsignal'],
      description: '`standard` (default): Standard Webhooks. `authsignal`: Authsignal\'s event envelope signed in `x-signature-v2`, verified by @authsignal/node\'s `Webhook.constructEvent` with the secret answered (docs/authsignal.md).',
    },
  },
} as const;

export const webhookSubscriptionSchema = {
  type: 'object',
  required: ['id', 'url', 'eventTypes', 'format', 'description', 'enabled', 'createdAt'],
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    eventTypes: { type: 'array', items: { type: 'string' } },
    format: { type: 'string', description: '`standard`: Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature); `authsignal`: Authsignal\'s envelope and `x-signature-v2`.' },
    description: { type: ['string', 'null'] },
    enabled: { type: 'boolean' },
    createdAt: timestamp,
  },
} as const;

export const webhookCreatedSchema = {
  type: 'object',
  required: ['subscription', 'secret'],
  properties: {
    subscription: webhookSubscriptionSchema,
    secret: { type: 'string', description: 'The signing secret (`whsec_…`; `aswh_…` for the `authsignal` format), shown this once: it is stored sealed and never answered again.' },
  },
} as const;

export const webhookDeliveryQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['pending', 'delivered', 'dead'] },
    subscriptionId: { type: 'string', maxLength: 100 },
    eventId: { type: 'string', maxLength: 100 },
    limit: digits(3),
  },
} as const;

export const webhookDeliverySchema = {
  type: 'object',
  required: ['id', 'eventId', 'eventType', 'subscriptionId', 'status', 'attempts', 'nextAttemptAt', 'lastError', 'lastStatus', 'deliveredAt', 'createdAt'],
  properties: {
    id: { type: 'string' },
    eventId: { type: 'string', description: 'The webhook-id: the same on every attempt (receivers deduplicate by it).' },
    eventType: { type: 'string' },
    subscriptionId: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'delivered', 'dead'], description: '`dead`: every attempt failed; POST …/retry sends it again.' },
    attempts: { type: 'integer' },
    nextAttemptAt: timestamp,
    lastError: { type: ['string', 'null'] },
    lastStatus: { type: ['integer', 'null'] },
    deliveredAt: { type: ['string', 'null'] },
    createdAt: timestamp,
  },
} as const;

export const analyticsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    version: digits(9),
    from: timestamp,
    to: timestamp,
  },
} as const;

const counts = { type: 'object', additionalProperties: { type: 'integer' } } as const;
const outcomeCounts = {
  type: 'object',
  required: ['started', 'completed', 'rejected', 'failed', 'expired'],
  properties: {
    started: { type: 'integer' },
    completed: { type: 'integer' },
    rejected: { type: 'integer' },
    failed: { type: 'integer' },
    expired: { type: 'integer' },
  },
} as const;

export const journeyAnalyticsSchema = {
  type: 'object',
  required: ['journeyId', 'version', 'from', 'to', 'totals', 'steps', 'series'],
  properties: {
    journeyId: { type: 'string' },
    version: { type: ['integer', 'null'], description: 'null: every version.' },
    from: timestamp,
    to: timestamp,
    totals: outcomeCounts,
    steps: {
      type: 'array',
      items: {
        type: 'object',
        required: ['stepId', 'entered', 'branches', 'errors', 'ended', 'abandoned', 'wait'],
        properties: {
          stepId: { type: 'string' },
          entered: { type: 'integer', description: 'Sessions that entered the step.' },
          branches: { ...counts, description: 'How often it left by each branch.' },
          errors: { ...counts, description: 'Errors by code (a step that asks again counts each).' },
          ended: { ...counts, description: 'Sessions that ended here, by status.' },
          abandoned: { type: 'integer', description: 'Sessions that expired waiting on the step.' },
          wait: {
            type: 'object',
            required: ['count', 'medianMs', 'p95Ms'],
            description: 'Time the client took to answer the step; median and p95 from a histogram whose buckets are 9 % apart (the bucket upper bound).',
            properties: { count: { type: 'integer' }, medianMs: { type: ['integer', 'null'] }, p95Ms: { type: ['integer', 'null'] } },
          },
        },
      },
    },
    series: {
      type: 'array',
      description: 'Per hour the sessions started in (hours without sessions left out).',
      items: { type: 'object', required: ['at', ...outcomeCounts.required], properties: { at: timestamp, ...outcomeCounts.properties } },
    },
  },
} as const;

/** The named schemas (the OpenAPI document's components), in the document's order. */
// ---------------------------------------------------------------------------------------------
// Journey semantic diff (#19): what one version of a journey changes from another
// ---------------------------------------------------------------------------------------------

export const JOURNEY_CHANGE_KINDS = [
  'step_added',
  'step_removed',
  'step_renamed',
  'step_type_changed',
  'config_changed',
  'branch_rewired',
  'branch_added',
  'branch_removed',
  'start_changed',
  'settings_changed',
  'input_schema_changed',
] as const;

export const journeyChangeSchema = {
  type: 'object',
  required: ['kind'],
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: JOURNEY_CHANGE_KINDS },
    stepId: { type: 'string', description: "The step's id (in `to`; a removed step's id in `from`)." },
    path: { type: 'string', description: 'The JSON pointer of the changed value in the document (the `to` side, a removed one in `from`).' },
    from: { description: 'The value before (absent when added).' },
    to: { description: 'The value after (absent when removed).' },
  },
} as const;

export const journeyDiffSchema = {
  type: 'object',
  required: ['changes'],
  additionalProperties: false,
  properties: { changes: { type: 'array', items: journeyChangeSchema } },
} as const;

/** A version number, or `draft`. */
export const JOURNEY_VERSION_REF_PATTERN = '^([1-9][0-9]{0,8}|draft)$';

export const journeyDiffQuerySchema = {
  type: 'object',
  required: ['from', 'to'],
  additionalProperties: false,
  properties: {
    from: { type: 'string', pattern: JOURNEY_VERSION_REF_PATTERN },
    to: { type: 'string', pattern: JOURNEY_VERSION_REF_PATTERN },
  },
} as const;

export const COMPONENT_SCHEMAS = {
  Error: errorBodySchema,
  ErrorCode: { type: 'string', enum: ERROR_CODES as readonly ErrorCode[] },
  StartBody: startBodySchema,
  SubmitBody: submitBodySchema,
  ValidateTokenBody: validateTokenBodySchema,
  TestRunBody: testRunBodySchema,
  StepResponse: stepResponseSchema,
  StepOption: stepOptionSchema,
  TokenValidation: tokenValidationSchema,
  Journey: journeyDocumentSchema,
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
  // ---- OpenID Connect provider (#18) ----
  OidcClient: oidcClientSchema,
  OidcClientWithSecret: oidcClientWithSecretSchema,
  OidcClientBody: oidcClientBodySchema,
  CreateOidcClientBody: createOidcClientBodySchema,
  AuditEntry: auditEntrySchema,
  AuditPage: auditPageSchema,
  WebhookCreateBody: webhookCreateBodySchema,
  WebhookSubscription: webhookSubscriptionSchema,
  WebhookCreated: webhookCreatedSchema,
  WebhookDelivery: webhookDeliverySchema,
  JourneyAnalytics: journeyAnalyticsSchema,
  // Journey semantic diff (#19)
  JourneyChange: journeyChangeSchema,
  JourneyDiff: journeyDiffSchema,
} as const;
