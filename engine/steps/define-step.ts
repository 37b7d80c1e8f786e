import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { StepDefinition } from './step-types.js';

/** The config type a schema describes (inference against the full JSONSchema union is too deep for tsc). */
export type ConfigOf<S> = S extends JSONSchema ? FromSchema<S> : never;

const TYPE_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;

/**
 * Declares a step type. The config type is derived from `configSchema` (declare the schema
 * `as const`), so the schema is the single description of the step's settings.
 */
export function defineStep<const S extends object>(
  definition: Omit<StepDefinition<ConfigOf<S>>, 'configSchema'> & { configSchema: S },
): StepDefinition<ConfigOf<S>> {
  if (!TYPE_PATTERN.test(definition.type)) {
    throw new Error(`step type "${definition.type}" must be lower-case words joined by "." or "-"`);
  }
  return definition as unknown as StepDefinition<ConfigOf<S>>;
}
