/**
 * The API's shapes as TypeScript types, derived from the schemas (schemas.ts) with
 * json-schema-to-ts: the engine's handlers, the typed client and the designer all use these, so
 * a shape changes in one place. Types only: importing this loads nothing at run time.
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { COMPONENT_SCHEMAS, sessionListQuerySchema, versionSummarySchema } from './schemas.js';

/** The type of a named schema. */
type Named<Name extends keyof typeof COMPONENT_SCHEMAS> = FromSchema<(typeof COMPONENT_SCHEMAS)[Name]>;

export type StartBody = Named<'StartBody'>;
export type SubmitBody = Named<'SubmitBody'>;
export type ValidateTokenBody = Named<'ValidateTokenBody'>;
export type TestRunBody = Named<'TestRunBody'>;
export type SessionListQuery = FromSchema<typeof sessionListQuerySchema>;

/** What start, submit, get and test runs answer. */
export type StepResponse = Named<'StepResponse'>;
export type SessionStatus = StepResponse['status'];
/** The waiting step (non-null while `status` is `waiting`). */
export type WaitingStep = NonNullable<StepResponse['step']>;
export type StepOption = WaitingStep['options'][number];
/** Enough of a step response to address its session. */
export type SessionRef = Pick<StepResponse, 'sessionId' | 'sessionToken'>;

export type TokenValidation = Named<'TokenValidation'>;
export type Diagnostic = Named<'Diagnostic'>;
export type ValidationResult = Named<'ValidationResult'>;
export type JourneySummary = Named<'JourneySummary'>;
export type VersionSummary = FromSchema<typeof versionSummarySchema>;
export type JourneyView = Named<'JourneyView'>;
export type PublishResult = Named<'PublishResult'>;
export type SessionSummary = Named<'SessionSummary'>;
export type SessionDetail = Named<'SessionDetail'>;
export type TimelineEvent = Named<'TimelineEvent'>;
export type StepCatalogueEntry = Named<'StepCatalogueEntry'>;
export type OutboxMessage = Named<'OutboxMessage'>;
export type User = Named<'User'>;
export type Jwks = Named<'Jwks'>;
export type ErrorBody = Named<'Error'>;
/** One of the codes of the API's error table. */
export type ApiErrorCode = ErrorBody['error']['code'];

// ---- OpenID Connect provider (#18) ----
export type OidcClient = Named<'OidcClient'>;
export type OidcClientWithSecret = Named<'OidcClientWithSecret'>;
export type OidcClientBody = Named<'OidcClientBody'>;
export type CreateOidcClientBody = Named<'CreateOidcClientBody'>;
// Observability (#23)
export type AuditEntry = Named<'AuditEntry'>;
export type AuditPage = Named<'AuditPage'>;
export type WebhookCreateBody = Named<'WebhookCreateBody'>;
export type WebhookSubscription = Named<'WebhookSubscription'>;
export type WebhookCreated = Named<'WebhookCreated'>;
export type WebhookDelivery = Named<'WebhookDelivery'>;
export type JourneyAnalytics = Named<'JourneyAnalytics'>;
// Journey semantic diff (#19)
export type JourneyChange = Named<'JourneyChange'>;
export type JourneyDiff = Named<'JourneyDiff'>;
export type JourneyChangeKind = JourneyChange['kind'];
