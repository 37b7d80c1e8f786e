/**
 * Checks a journey's `journey.call` steps against the journeys they call (#20): a call cycle at any
 * depth (`call_cycle`), a callee that does not exist or has no such published version
 * (`unknown_journey`), and an input that cannot satisfy the callee's input schema
 * (`invalid_call_input`). These need the store, so they run beside the document validator: at
 * publish (errors refuse it) and on a draft (unknown journeys are only warnings there).
 */
import type { Diagnostic } from '../../journey/diagnostics.js';
import type { Journey } from '../../journey/journey-schema.js';
import type { ValidateFunction } from '../../journey/schema-validator.js';
import type { JourneyStore, VersionRecord } from '../../store/store.js';

export const CALL_STEP_TYPE = 'journey.call';

/** A call as a document states it; only literal journey ids and versions can be checked ahead. */
export interface StatedCall {
  stepId: string;
  journeyId: string;
  version: number | 'latest';
  input: Record<string, unknown>;
}

export interface CallCheckDeps {
  journeys: Pick<JourneyStore, 'getLatestVersion' | 'getVersion' | 'getDocument'>;
  /** A validator for a JSON Schema (cached by the runtime). */
  schemaValidator(schema: object): ValidateFunction;
}

/** Calls may nest this deep: deeper chains are not followed here, and the runtime refuses them (journey-calls.ts). */
export const MAX_CALL_DEPTH = 8;

/** The calls a document makes, in step order. */
export function statedCalls(document: Pick<Journey, 'steps'>): StatedCall[] {
  const calls: StatedCall[] = [];
  for (const [stepId, step] of Object.entries(document.steps ?? {})) {
    if (step?.type !== CALL_STEP_TYPE) continue;
    const config = (step.config ?? {}) as Record<string, unknown>;
    if (typeof config.journeyId !== 'string' || config.journeyId.includes('{%')) continue;
    const version = typeof config.version === 'number' ? config.version : 'latest';
    const input = config.input && typeof config.input === 'object' && !Array.isArray(config.input) ? (config.input as Record<string, unknown>) : {};
    calls.push({ stepId, journeyId: config.journeyId, version, input });
  }
  return calls;
}

/**
 * The diagnostics of a document's calls. `draft`: an unknown journey is a warning (it may be
 * published before this one is).
 */
export async function checkCalls(document: Journey, deps: CallCheckDeps, options: { draft: boolean }): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  for (const call of statedCalls(document)) {
    const path = `/steps/${call.stepId}/config`;
    if (call.journeyId === document.id) {
      diagnostics.push({ severity: 'error', code: 'call_cycle', message: `step "${call.stepId}" calls its own journey "${document.id}"`, path: `${path}/journeyId`, stepId: call.stepId });
      continue;
    }
    const callee = await resolve(call, deps);
    if (!callee) {
      const which = call.version === 'latest' ? 'has no published version' : `has no published version ${call.version}`;
      diagnostics.push({ severity: options.draft ? 'warning' : 'error', code: 'unknown_journey', message: `step "${call.stepId}" calls journey "${call.journeyId}", which ${which}`, path: `${path}/journeyId`, stepId: call.stepId });
      continue;
    }
    const cycle = await findCycle(document.id, callee, [document.id, call.journeyId], deps);
    if (cycle) {
      diagnostics.push({ severity: 'error', code: 'call_cycle', message: `step "${call.stepId}" closes a call cycle: ${cycle.join(' → ')}`, path: `${path}/journeyId`, stepId: call.stepId });
    }
    for (const problem of inputProblems(call, callee, deps)) {
      diagnostics.push({ severity: 'error', code: 'invalid_call_input', message: `step "${call.stepId}": ${problem.message}`, path: `${path}/input${problem.pointer}`, stepId: call.stepId });
    }
  }
  return diagnostics;
}

/** The published version a call names (`latest`: the latest published), or null when there is none. */
export function calledVersion(journeys: Pick<JourneyStore, 'getLatestVersion' | 'getVersion'>, call: Pick<StatedCall, 'journeyId' | 'version'>): Promise<VersionRecord | null> {
  return call.version === 'latest' ? journeys.getLatestVersion(call.journeyId) : journeys.getVersion(call.journeyId, call.version);
}

async function resolve(call: Pick<StatedCall, 'journeyId' | 'version'>, deps: Pick<CallCheckDeps, 'journeys'>): Promise<Journey | null> {
  const version = await calledVersion(deps.journeys, call);
  if (!version) return null;
  return ((await deps.journeys.getDocument(version.documentHash)) as Journey | null) ?? null;
}

/** The chain back to `root` through what `callee` (and what it calls) calls, if any. */
async function findCycle(root: string, callee: Journey, chain: string[], deps: CallCheckDeps): Promise<string[] | null> {
  if (chain.length > MAX_CALL_DEPTH) return null;
  for (const call of statedCalls(callee)) {
    if (call.journeyId === root) return [...chain, root];
    if (chain.includes(call.journeyId)) continue;
    const next = await resolve(call, deps);
    if (!next) continue;
    const found = await findCycle(root, next, [...chain, call.journeyId], deps);
    if (found) return found;
  }
  return null;
}

/**
 * What the callee's input schema refuses in the call's input, as far as it is known before the
 * session runs: a required property the input does not set, and literal values the property's
 * schema refuses (expressions are checked when the call runs).
 */
function inputProblems(call: StatedCall, callee: Journey, deps: CallCheckDeps): Array<{ message: string; pointer: string }> {
  const schema = callee.input as { properties?: Record<string, object>; required?: string[]; additionalProperties?: unknown } | undefined;
  if (!schema) return [];
  const problems: Array<{ message: string; pointer: string }> = [];
  for (const name of schema.required ?? []) {
    if (!Object.hasOwn(call.input, name)) problems.push({ message: `the input of "${call.journeyId}" requires "${name}"`, pointer: '' });
  }
  for (const [name, value] of Object.entries(call.input)) {
    const property = schema.properties?.[name];
    if (!property) {
      if (schema.additionalProperties === false) problems.push({ message: `the input of "${call.journeyId}" has no property "${name}"`, pointer: `/${name}` });
      continue;
    }
    if (containsExpression(value)) continue;
    const validate = deps.schemaValidator(property);
    if (!validate(value)) problems.push({ message: `"${name}" ${validate.errors?.[0]?.message ?? 'does not match'} (the input schema of "${call.journeyId}")`, pointer: `/${name}` });
  }
  return problems;
}

function containsExpression(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{%');
  if (Array.isArray(value)) return value.some(containsExpression);
  if (value && typeof value === 'object') return Object.values(value).some(containsExpression);
  return false;
}

/**
 * The published versions that call `journeyId` (`<id> v<n>`), of journeys not deleted: deleting a
 * journey they call would break them, so it is refused while any exists.
 */
export async function callersOf(journeyId: string, journeys: Pick<JourneyStore, 'list' | 'listVersions' | 'getDocument'>): Promise<string[]> {
  const callers: string[] = [];
  for (const summary of await journeys.list()) {
    if (summary.id === journeyId) continue;
    for (const version of await journeys.listVersions(summary.id)) {
      const document = (await journeys.getDocument(version.documentHash)) as Journey | null;
      if (document && statedCalls(document).some((call) => call.journeyId === journeyId)) callers.push(`${summary.id} v${version.version}`);
    }
  }
  return callers;
}

/**
 * What each call's `outputVariable` will hold, as far as the called journey says: an object with
 * the claims its `complete` steps set (closed, so reading a claim none sets is reported). Unknown
 * (left out) when a `complete` computes its whole claims with an expression.
 */
export async function callOutputShapes(document: Journey, deps: Pick<CallCheckDeps, 'journeys'>): Promise<Map<string, Record<string, unknown>>> {
  const shapes = new Map<string, Record<string, unknown>>();
  for (const call of statedCalls(document)) {
    if (call.journeyId === document.id) continue;
    const callee = await resolve(call, deps);
    const shape = callee ? claimsShape(callee) : null;
    if (shape) shapes.set(call.stepId, shape);
  }
  return shapes;
}

function claimsShape(journey: Journey): Record<string, unknown> | null {
  const names = new Set<string>();
  for (const step of Object.values(journey.steps ?? {})) {
    if (step?.type !== 'complete') continue;
    const claims = (step.config as { claims?: unknown } | undefined)?.claims ?? {};
    if (!claims || typeof claims !== 'object' || Array.isArray(claims)) return null;
    for (const name of Object.keys(claims)) names.add(name);
  }
  return { type: 'object', properties: Object.fromEntries([...names].map((name) => [name, {}])), additionalProperties: false };
}
