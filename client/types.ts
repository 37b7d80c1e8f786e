/**
 * The API's shapes, derived from the JSON Schemas the server validates with and documents
 * (engine/http/request-schemas.ts, engine/http/openapi.ts). Type-only imports: nothing of the
 * engine is loaded at run time.
 */
import type { FromSchema } from 'json-schema-to-ts';
import type {
  diagnosticSchema,
  errorBodySchema,
  journeySummarySchema,
  journeyViewSchema,
  outboxMessageSchema,
  publishResultSchema,
  sessionDetailSchema,
  sessionSummarySchema,
  stepCatalogueEntrySchema,
  stepResponseSchema,
  timelineEventSchema,
  tokenValidationSchema,
  userSchema,
  validationResultSchema,
  jwksSchema,
} from '../engine/http/openapi.js';
import type { SessionListQuery, StartBody, SubmitBody, TestRunBody } from '../engine/http/request-schemas.js';
import type { Journey } from '../engine/journey/journey-schema.js';

export type { Journey, StartBody, SubmitBody, TestRunBody };

/** What start, submit, get and test runs answer. */
export type StepResponse = FromSchema<typeof stepResponseSchema>;
export type SessionStatus = StepResponse['status'];
/** The waiting step (non-null while `status` is `waiting`). */
export type WaitingStep = NonNullable<StepResponse['step']>;
export type StepOption = WaitingStep['options'][number];
/** Enough of a step response to address its session. */
export type SessionRef = Pick<StepResponse, 'sessionId' | 'sessionToken'>;

export type TokenValidation = FromSchema<typeof tokenValidationSchema>;
export type Diagnostic = FromSchema<typeof diagnosticSchema>;
export type ValidationResult = FromSchema<typeof validationResultSchema>;
export type JourneySummary = FromSchema<typeof journeySummarySchema>;
export type JourneyView = FromSchema<typeof journeyViewSchema>;
export type PublishResult = FromSchema<typeof publishResultSchema>;
export type SessionSummary = FromSchema<typeof sessionSummarySchema>;
export type SessionDetail = FromSchema<typeof sessionDetailSchema>;
export type TimelineEvent = FromSchema<typeof timelineEventSchema>;
export type StepCatalogueEntry = FromSchema<typeof stepCatalogueEntrySchema>;
export type OutboxMessage = FromSchema<typeof outboxMessageSchema>;
export type User = FromSchema<typeof userSchema>;
export type Jwks = FromSchema<typeof jwksSchema>;
export type ErrorBody = FromSchema<typeof errorBodySchema>;
/** One of the codes of the API's error table. */
export type ApiErrorCode = ErrorBody['error']['code'];

/** `GET /v1/admin/sessions` filters (`limit` as a number here; the query carries it as digits). */
export type SessionListFilter = { journeyId?: SessionListQuery['journeyId']; status?: SessionListQuery['status']; limit?: number };
