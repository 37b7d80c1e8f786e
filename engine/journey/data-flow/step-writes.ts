/**
 * What one wired branch of a step writes, from its type's `writes` declaration and its config:
 * the variables (with their shapes when known), `$user`, or "anything" for a step type that
 * declares nothing. The engine itself writes `errorOutputVariable` on `failure`.
 */
import { isExpression } from '../../runtime/expressions.js';
import { resolvePointer } from '../../steps/registry.js';
import type { JsonSchema, StepDefinition, WriteDeclaration } from '../../steps/step-types.js';
import { expressionFacts, USER } from './expression-reads.js';

export interface VariableWrite {
  variable: string;
  /** Its JSON Schema when known. */
  shape?: JsonSchema;
}

/** Writes of a branch, or `'anything'`: the step may set any variable (undeclared writes, a computed name). */
export type BranchWrites = VariableWrite[] | 'anything';

/** The error object `errorOutputVariable` receives: closed, so a typo in `err.mesage` is reported. */
export const STEP_ERROR_SHAPE: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
};

/** An option without a schema takes no data. */
const NO_DATA: JsonSchema = { type: 'object', additionalProperties: false, properties: {} };

type AnyRecord = Record<string, unknown>;
const isRecord = (value: unknown): value is AnyRecord => typeof value === 'object' && value !== null && !Array.isArray(value);

export function branchWrites(
  definition: StepDefinition | undefined,
  step: AnyRecord,
  config: unknown,
  branch: string,
): BranchWrites {
  if (branch === 'failure') {
    const name = step.errorOutputVariable;
    return typeof name === 'string' ? [{ variable: name, shape: STEP_ERROR_SHAPE }] : [];
  }
  const declared = definition?.writes;
  if (!declared) return 'anything';
  const writes: VariableWrite[] = [];
  const on = (declaration: WriteDeclaration | undefined) => !!declaration && (!declaration.branches || declaration.branches.includes(branch));

  const outputs = declared.output === undefined ? [] : Array.isArray(declared.output) ? declared.output : [declared.output as WriteDeclaration];
  for (const output of outputs) {
    if (!on(output)) continue;
    const name = isRecord(config) ? config.outputVariable : undefined;
    if (name === undefined) continue;
    if (typeof name !== 'string' || isExpression(name)) return 'anything';
    const shape = output.shapeFromBranchItem ? branchItemSchema(definition!, config, branch) : output.shape;
    writes.push(shape === undefined ? { variable: name } : { variable: name, shape });
  }
  for (const [variable, declaration] of Object.entries(declared.variables ?? {})) {
    if (on(declaration)) writes.push(declaration.shape === undefined ? { variable } : { variable, shape: declaration.shape });
  }
  if (declared.configKeys !== undefined) {
    const assigned = resolvePointer(config, declared.configKeys);
    if (isRecord(assigned)) for (const variable of Object.keys(assigned)) writes.push({ variable });
    else if (assigned !== undefined) return 'anything';
  }
  if (on(declared.user)) writes.push({ variable: USER });
  // The branch is taken only when the guard holds: what it tests with `$exists` is set on it.
  if (declared.guard && declared.guard.branches.includes(branch)) {
    const source = resolvePointer(config, declared.guard.expression);
    const facts = isExpression(source) ? expressionFacts(source) : null;
    for (const variable of facts?.guarantees ?? []) writes.push({ variable });
  }
  return writes;
}

/** The `schema` of the config item declaring `branch` (forms: the option chosen); unknown when computed. */
function branchItemSchema(definition: StepDefinition, config: unknown, branch: string): JsonSchema | undefined {
  if (Array.isArray(definition.branches)) return undefined;
  const { from, key } = definition.branches as { from: string; key: string };
  const items = resolvePointer(config, from);
  if (!Array.isArray(items)) return undefined;
  const item = items.find((candidate) => isRecord(candidate) && candidate[key] === branch);
  if (!isRecord(item)) return undefined;
  if (item.schema === undefined) return NO_DATA;
  return isRecord(item.schema) ? (item.schema as JsonSchema) : undefined;
}

/**
 * The properties of a closed object shape, or null when the shape is open or unknown: an object
 * schema listing `properties`, with no `additionalProperties` / `patternProperties` allowing more,
 * and no combinators that could add some.
 */
export function closedProperties(shape: JsonSchema | undefined): string[] | null {
  if (!isRecord(shape) || !isRecord(shape.properties)) return null;
  if (shape.additionalProperties !== undefined && shape.additionalProperties !== false) return null;
  for (const open of ['patternProperties', 'allOf', 'anyOf', 'oneOf', 'if', '$ref', 'unevaluatedProperties', 'dependentSchemas']) {
    if ((shape as AnyRecord)[open] !== undefined) return null;
  }
  return Object.keys(shape.properties);
}
