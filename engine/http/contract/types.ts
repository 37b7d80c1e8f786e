/**
 * The API's shapes as TypeScript types, derived from the schemas (schemas.ts) with
 * json-schema-to-ts: the engine's handlers, the typed client and the designer all use these, so
 * a shape changes in one place. Types only: importing this loads nothing at run time.
 */
import type { FromSchema } from 'json-schema-to-ts';
import type {
  diagnosticSchema,
  errorBodySchema,
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
  stepResponseSchema,
  submitBodySchema,
  testRunBodySchema,
  timelineEventSchema,
  tokenValidationSchema,
  userSchema,
  validateTokenBodySchema,
  validationResultSchema,
  versionSummarySchema,
} from './schemas.js';

export type StartBody = FromSchema<typeof startBodySchema>;
export type SubmitBody = FromSchema<typeof submitBodySchema>;
export type ValidateTokenBody = FromSchema<typeof validateTokenBodySchema>;
export type TestRunBody = FromSchema<typeof testRunBodySchema>;
export type SessionListQuery = FromSchema<typeof sessionListQuerySchema>;

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
export type VersionSummary = FromSchema<typeof versionSummarySchema>;
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
