/**
 * The journey document as the API carries it (the `Journey` component: saved drafts, published
 * versions), in the names the designer edits it by. Derived from the journey schema, types only.
 */
import type { Journey, JourneyStep } from '../../journey/journey-schema.js';

export type JourneyDoc = Journey;
export type StepDoc = JourneyStep;
export type JourneySettings = NonNullable<Journey['settings']>;
export type Position = NonNullable<Journey['layout']>[string];
/** An object whose keys the API leaves free (`{ "type": "object" }`): step data, claims, configs. */
export type JsonObject = { [key: string]: unknown };
/** A JSON Schema as the API carries it (an option's schema, a step type's configSchema). */
export type JsonSchema = JsonObject;
