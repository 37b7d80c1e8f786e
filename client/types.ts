/**
 * The API's shapes: the contract's types (engine/http/contract/types.ts, derived from the
 * schemas the server validates with and publishes). Type-only: nothing of the engine is loaded.
 */
import type { SessionListQuery } from '../engine/http/contract/types.js';

export type * from '../engine/http/contract/types.js';
export type { Journey } from '../engine/journey/journey-schema.js';

/** `GET /v1/admin/sessions` filters (`limit` as a number here; the query carries it as digits). */
export type SessionListFilter = { journeyId?: SessionListQuery['journeyId']; status?: SessionListQuery['status']; limit?: number };
