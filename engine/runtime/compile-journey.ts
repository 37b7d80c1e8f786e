/**
 * Compiles a journey document into an xstate machine: one state per step (running → waiting),
 * one guarded transition per wired branch, and the final states completed / rejected / failed.
 * The branch wiring lives only in the machine; the executor only says which branch a step took.
 *
 * The machine is pure: it holds no actors. A step in `running` is executed by the driver
 * (`machine-driver.ts`), which sends the step's outcome back as a `STEP_DONE` event through
 * xstate's transition function. So a snapshot never holds an in-flight promise, restoring one
 * costs no actor, and a chain of steps costs one transition each instead of an invoked actor.
 */
import { assign, setup, type SnapshotFrom } from 'xstate';
import type { Journey } from '../journey/journey-schema.js';
import type { ValidateFunction } from '../journey/schema-validator.js';
import type { StepRegistry } from '../steps/registry.js';
import type { JsonObject, StepError } from '../steps/step-types.js';
import type { TimelineEvent } from '../store/store.js';
import { nextAuthState } from './auth-state.js';
import type { RunBudget } from './run-budget.js';
import { compileConfigTemplate, type ConfigTemplate } from './expressions.js';
import { REDACTED, isSecretKey, redact } from './redact.js';
import { initialContext, type SessionContext, type SessionEvent, type SessionInput, type StepDoneEvent, type SubmitEvent } from './session-context.js';
import { executeStep, type CompiledStep, type ExecutorDeps, type StepRun } from './step-executor.js';

export interface CompiledJourney {
  hash: string;
  document: Journey;
  machine: SessionMachine;
  steps: Map<string, CompiledStep>;
  /**
   * Runs one step under the run's budget; never throws or rejects (an unexpected error becomes an
   * `abort` outcome). Answers without a promise when the step did not wait (see executeStep).
   */
  runStep(stepId: string, context: SessionContext, budget?: RunBudget): StepRun | Promise<StepRun>;
  /** Seals (for persisting) and unseals (on restore) the variables at the session's secret paths. */
  secrets: VariableSealer;
  /** Validates the start input when the journey declares an `input` schema. */
  checkInput: ValidateFunction | null;
  settings: { public: boolean; sessionTtlSeconds: number };
}

export interface CompileDeps extends ExecutorDeps {
  registry: StepRegistry;
  /** Compiles (and caches) a schema with defaults applied; used for evaluated configs. */
  compileConfigSchema(type: string, schema: object): ValidateFunction;
  compileSchema(schema: object): ValidateFunction;
}

export type SessionMachine = ReturnType<typeof buildMachine>;
export type SessionSnapshot = SnapshotFrom<SessionMachine>;

export const DEFAULT_SESSION_TTL_SECONDS = 900;
/**
 * End states are named so that no step id can equal them (step ids start with a letter), since a
 * step called "completed" must never be mistaken for the end of the session.
 */
const END_STATES = { completed: '_completed', rejected: '_rejected', failed: '_failed' } as const;

/** Suffix of the state a step waits for the client in; `:` never appears in a step id. */
const WAITING = ':waiting';

export function waitingState(stepId: string): string {
  return stepId + WAITING;
}

/** The step a waiting state belongs to, or null for a step's running state or an end state. */
export function waitingStep(stateValue: string): string | null {
  return stateValue.endsWith(WAITING) ? stateValue.slice(0, -WAITING.length) : null;
}

/** Compiles a journey that has already passed validation (the caller refuses invalid ones). */
export function compileJourney(document: Journey, hash: string, deps: CompileDeps): CompiledJourney {
  const steps = new Map<string, CompiledStep>();
  for (const [id, step] of Object.entries(document.steps)) {
    const definition = deps.registry.get(step.type);
    if (!definition) throw new Error(`step "${id}": type "${step.type}" is not registered`);
    const template = compileConfigTemplate(step.config ?? {});
    const checkConfig = deps.compileConfigSchema(definition.type, definition.configSchema as object);
    steps.set(id, {
      id,
      type: step.type,
      name: step.name ?? id,
      definition,
      template,
      checkConfig,
      errorOutputVariable: step.errorOutputVariable ?? null,
      onFailure: step.onFailure ?? 'branch',
      staticConfig: template.expressions.length === 0 ? staticConfig(template.literal, checkConfig) : null,
      erase: writeOnlyReads(template, definition.configSchema as JsonObject),
      callerKeys: callerKeys(template),
    });
  }
  const machine = buildMachine(document, steps, deps);
  return {
    hash,
    document,
    machine,
    steps,
    runStep: (stepId, context, budget) => {
      const step = steps.get(stepId)!;
      try {
        const run = executeStep(step, context, deps, budget);
        return run instanceof Promise ? run.catch((error: unknown) => unexpectedAbort(error, step, context, deps)) : run;
      } catch (error) {
        return unexpectedAbort(error, step, context, deps);
      }
    },
    secrets: variableSealer(deps),
    checkInput: document.input ? deps.compileSchema(document.input) : null,
    settings: {
      public: document.settings?.public === true,
      sessionTtlSeconds: document.settings?.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS,
    },
  };
}

/** A step the executor could not run (a bug, never the step's own failure): the session fails. */
function unexpectedAbort(error: unknown, step: CompiledStep, context: SessionContext, deps: CompileDeps): StepRun {
  deps.onUnexpectedError(error, { stepId: step.id, type: step.type, journeyId: context.journeyId, journeyVersion: context.journeyVersion });
  const at = deps.now().toISOString();
  return { kind: 'abort', stepId: step.id, at, durationMs: 0, error: { code: 'internal', message: 'the step could not be run' } };
}

export interface VariableSealer {
  seal(variables: Record<string, unknown>, paths: string[][], sessionId: string): Record<string, unknown>;
  unseal(variables: Record<string, unknown>, paths: string[][], sessionId: string): Record<string, unknown>;
}

/** A sealed value at rest: `{ "$sealed": "<AES-GCM envelope>" }`, bound to its session. */
function variableSealer(deps: Pick<ExecutorDeps, 'sealStepData' | 'unsealStepData'>): VariableSealer {
  const map = (variables: Record<string, unknown>, paths: string[][], change: (value: unknown) => unknown) => {
    let result = variables;
    for (const path of paths) result = replacedAt(result, path, change) as Record<string, unknown>;
    return result;
  };
  return {
    seal: (variables, paths, sessionId) => map(variables, paths, (value) => ({ $sealed: deps.sealStepData({ value } as JsonObject, sessionId) })),
    unseal: (variables, paths, sessionId) =>
      map(variables, paths, (value) => {
        const sealed = (value as { $sealed?: unknown } | null)?.$sealed;
        return typeof sealed === 'string' ? deps.unsealStepData(sealed, sessionId).value : value;
      }),
  };
}

/** A copy with the value at `path` changed (when it exists); the rest is shared. */
function replacedAt(value: unknown, path: string[], change: (value: unknown) => unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, path[0])) return value;
  const copy = { ...(value as Record<string, unknown>) };
  copy[path[0]] = path.length === 1 ? change(copy[path[0]]) : replacedAt(copy[path[0]], path.slice(1), change);
  return copy;
}

/** A plain variable path such as `loginData.password` (no `$` binding, no operators). */
const VARIABLE_PATH = /^\{%\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*%\}$/;

/** `$input` or a plain path into it: the start caller's own data. */
const INPUT_PATH = /^\{%\s*\$input(?:\.[A-Za-z_][A-Za-z0-9_]*)*\s*%\}$/;

/** Top-level config keys that are literals or read only `$input`. */
function callerKeys(template: ConfigTemplate): ReadonlySet<string> {
  const literal = (template.literal ?? {}) as Record<string, unknown>;
  const keys = new Set(Object.keys(literal));
  for (const { path, expression } of template.expressions) {
    if (path.length > 1 || !INPUT_PATH.test(expression.source.trim())) keys.delete(path[0]);
  }
  return keys;
}

/** The variable paths that top-level `writeOnly` config properties read (null: none). */
function writeOnlyReads(template: ConfigTemplate, schema: JsonObject): string[][] | null {
  const properties = (schema.properties ?? {}) as Record<string, { writeOnly?: boolean }>;
  const paths = template.expressions
    .filter((e) => e.path.length === 1 && properties[e.path[0]]?.writeOnly === true)
    .map((e) => VARIABLE_PATH.exec(e.expression.source.trim())?.[1])
    .filter((path): path is string => path !== undefined)
    .map((path) => path.split('.'));
  return paths.length ? paths : null;
}

/** The variables without the values at `paths` (copied along each path; the rest is shared). */
function erased(variables: Record<string, unknown>, paths: string[][]): Record<string, unknown> {
  let result = variables;
  for (const path of paths) result = without(result, path) as Record<string, unknown>;
  return result;
}

function without(value: unknown, path: string[]): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, path[0])) return value;
  const copy = { ...(value as Record<string, unknown>) };
  if (path.length === 1) delete copy[path[0]];
  else copy[path[0]] = without(copy[path[0]], path.slice(1));
  return copy;
}

/** A literal config with its defaults applied once, frozen so no step run can change it for the next. */
function staticConfig(literal: unknown, checkConfig: ValidateFunction): JsonObject | null {
  const config = structuredClone(literal ?? {}) as JsonObject;
  return checkConfig(config) ? deepFreeze(config) : null;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/** A step's outcome of one kind. */
type RunOf<K extends StepRun['kind']> = Extract<StepRun, { kind: K }>;
/** What an action of this machine is given (its states are built dynamically, so typed here once). */
type MachineArgs = { context: SessionContext; event: SessionEvent };

function buildMachine(document: Journey, steps: Map<string, CompiledStep>, deps: Pick<ExecutorDeps, 'now'>) {
  const journeySetup = setup({
    types: {
      context: {} as SessionContext,
      events: {} as SessionEvent,
      input: {} as SessionInput,
    },
  });

  type Transition = { target: string; guard?: (args: { event: { output: StepRun } }) => boolean; actions: unknown };
  const stepStates: Record<string, unknown> = {};
  const now = () => deps.now().toISOString();

  for (const [stepId, step] of steps) {
    const wired = (document.steps[stepId].branches ?? {}) as Record<string, string>;
    const failureTarget = step.onFailure === 'branch' && wired.failure ? wired.failure : null;
    const onDone: Transition[] = [
      { guard: ({ event }) => event.output.kind === 'ask', target: waitingState(stepId), actions: update<RunOf<'ask'>>(step, (context, run) => asked(context, run, step)) },
      { guard: ({ event }) => event.output.kind === 'complete', target: END_STATES.completed, actions: update<RunOf<'complete'>>(step, (context, run) => completed(context, run, step)) },
      { guard: ({ event }) => event.output.kind === 'reject', target: END_STATES.rejected, actions: update<RunOf<'reject'>>(step, (context, run) => ended(context, run, step, 'rejected')) },
      { guard: ({ event }) => event.output.kind === 'abort', target: END_STATES.failed, actions: update<RunOf<'abort'>>(step, (context, run) => ended(context, run, step, 'failed')) },
    ];
    for (const [branch, target] of Object.entries(wired)) {
      const next = steps.get(target);
      if (branch === 'failure' || !next) continue;
      onDone.push({
        guard: ({ event }) => event.output.kind === 'branch' && event.output.branch === branch,
        target,
        actions: update<RunOf<'branch'>>(step, (context, run) => entered(branched(context, run, step), next, now())),
      });
    }
    const failureNext = failureTarget ? steps.get(failureTarget) : undefined;
    if (failureNext) {
      onDone.push({
        guard: ({ event }) => event.output.kind === 'fail',
        target: failureNext.id,
        actions: update<RunOf<'fail'>>(step, (context, run) => entered(failedOver(context, run, step), failureNext, now())),
      });
    }
    // Anything left: a failure with nowhere to go, or a branch that is not wired.
    onDone.push({ target: END_STATES.failed, actions: update<StepRun>(step, (context, run) => endedUnhandled(context, run, step)) });

    // Flat states (a running and a waiting state per step) cost xstate half the work of nested ones.
    stepStates[stepId] = { on: { STEP_DONE: onDone } };
    stepStates[waitingState(stepId)] = {
      on: {
        SUBMIT: {
          target: stepId,
          actions: assign(({ context, event }: MachineArgs) => submitted(context, event as SubmitEvent, step)),
        },
      },
    };
  }

  return journeySetup.createMachine({
    id: 'journey',
    context: ({ input }) => entered(initialContext(input), steps.get(document.start)!, now()),
    initial: document.start,
    states: {
      ...(stepStates as Record<string, object>),
      [END_STATES.completed]: { type: 'final' },
      [END_STATES.rejected]: { type: 'final' },
      [END_STATES.failed]: { type: 'final' },
    } as never,
  });
}


/**
 * An assign action over the step's outcome (the machine's states are built dynamically, so typed
 * loosely here). Whatever the outcome, the secrets the step read are erased first.
 */
function update<R extends StepRun>(step: CompiledStep, fn: (context: SessionContext, run: R) => Partial<SessionContext>) {
  return assign(({ context, event }: MachineArgs) => {
    // Only STEP_DONE transitions carry these actions, and each is guarded by the outcome's kind.
    const run = (event as StepDoneEvent).output as R;
    if (run.call) return afterCall(context, run, step, fn);
    if (!step.erase) return fn(context, run);
    const scrubbed = { ...context, variables: erased(context.variables, step.erase) };
    return { variables: scrubbed.variables, ...fn(scrubbed, run) };
  });
}

/**
 * A `journey.call` run: the child's timeline comes first, its steps count as the caller's, and its
 * `$auth` (when it completed) becomes the caller's before the outcome is applied.
 */
function afterCall<R extends StepRun>(context: SessionContext, run: R, step: CompiledStep, fn: (context: SessionContext, run: R) => Partial<SessionContext>) {
  const call = run.call!;
  const base: SessionContext = {
    ...context,
    ...(step.erase ? { variables: erased(context.variables, step.erase) } : {}),
    journal: [...context.journal, ...call.journal],
    stepsSinceWait: call.stepsSinceWait,
    ...(call.auth !== undefined ? { auth: call.auth } : {}),
  };
  return { variables: base.variables, journal: base.journal, stepsSinceWait: base.stepsSinceWait, auth: base.auth, ...fn(base, run) };
}

/**
 * The timeline's `entered` event of the step a transition leads to, added to an update its caller
 * has just built (a new journal array: completed in place rather than the journal copied again,
 * which made every step copy the run's whole journal twice).
 */
function entered<C extends Pick<SessionContext, 'journal'>>(update: C, step: CompiledStep, at: string): C {
  update.journal.push({ at, stepId: step.id, type: step.type, event: 'entered' });
  return update;
}

function asked(context: SessionContext, run: StepRun & { kind: 'ask' }, step: CompiledStep): Partial<SessionContext> {
  const events: TimelineEvent[] = [];
  // A called journey's refused answer is already in its own timeline.
  if (run.error && !run.call) events.push({ at: run.at, stepId: run.stepId, type: null, event: 'error', error: { code: run.error.code, message: run.error.message }, durationMs: run.durationMs });
  const shown = run.call?.shown;
  return {
    asked: {
      stepId: run.stepId,
      type: shown?.type ?? step.type,
      name: shown?.name ?? step.name,
      data: run.data,
      ...(run.sealedData ? { sealedData: run.sealedData } : {}),
      options: run.options,
      ...(shown ? { shownId: shown.stepId } : {}),
    },
    stepState: run.state,
    submission: null,
    lastError: run.error ?? context.lastError,
    stepsSinceWait: 0,
    journal: [...context.journal, ...events],
  };
}

function submitted(context: SessionContext, event: SubmitEvent, step: CompiledStep): Partial<SessionContext> {
  const option = context.asked?.options.find((o) => o.id === event.submission.option);
  const data = event.submission.data;
  const shown = data && typeof data === 'object' ? (redact(data, option?.schema) as JsonObject) : undefined;
  return {
    submission: event.submission,
    runId: event.runId,
    ...(event.device !== undefined ? { device: event.device } : {}),
    ...(event.clientAddress !== undefined ? { clientAddress: event.clientAddress } : {}),
    lastError: null,
    // A called journey's step records its own answer in the child's timeline.
    journal: context.asked?.shownId
      ? context.journal
      : [...context.journal, { at: event.at, stepId: step.id, type: step.type, event: 'submitted', option: event.submission.option, ...(shown ? { data: shown } : {}) }],
  };
}

/** Leaving a step: its visit state, question and answer are dropped. */
function leaving(context: SessionContext): Partial<SessionContext> {
  return { asked: null, submission: null, stepState: undefined, stepsSinceWait: context.stepsSinceWait + 1 };
}

function branched(context: SessionContext, run: StepRun & { kind: 'branch' }, step: CompiledStep): Partial<SessionContext> & Pick<SessionContext, 'journal'> {
  const changed = Object.keys(run.variables).length ? { variables: timelineVariables(context, run.variables) } : {};
  return {
    ...leaving(context),
    variables: Object.keys(run.variables).length ? { ...context.variables, ...run.variables } : context.variables,
    ...(run.user !== undefined ? { user: run.user } : {}),
    ...(run.secrets ? { secretPaths: [...(context.secretPaths ?? []), ...run.secrets] } : {}),
    ...(run.user !== undefined || run.proved !== undefined || run.established ? { auth: nextAuthState(context.auth, context.user, run, run.at) } : {}),
    tokens: run.tokens.length ? [...context.tokens, ...(run.tokens as unknown as SessionContext['tokens'])] : context.tokens,
    journal: [
      ...context.journal,
      { at: run.at, stepId: step.id, type: step.type, event: 'branch', branch: run.branch, durationMs: run.durationMs, ...changed },
    ],
  };
}

/**
 * What a timeline may show of the variables a step set. A value can carry a secret under any name
 * (an expression may copy a password anywhere), so ordinary sessions record only which variables
 * changed; admin test runs, whose data is the admin's own, show values with secret-looking keys and
 * the answered option's writeOnly fields redacted.
 */
function timelineVariables(context: SessionContext, variables: Record<string, unknown>): JsonObject {
  if (!context.testRun) return Object.fromEntries(Object.keys(variables).map((name) => [name, REDACTED]));
  const answered = context.asked?.options.find((o) => o.id === context.submission?.option)?.schema;
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, isSecretKey(name) ? REDACTED : redact(redact(value, answered))]),
  ) as JsonObject;
}

function withErrorVariable(context: SessionContext, step: CompiledStep, error: StepError): Record<string, unknown> {
  return step.errorOutputVariable ? { ...context.variables, [step.errorOutputVariable]: error } : context.variables;
}

function errorEvent(step: CompiledStep, error: StepError, at: string, durationMs?: number): TimelineEvent {
  return { at, stepId: step.id, type: step.type, event: 'error', error: { code: error.code, message: error.message }, ...(durationMs !== undefined ? { durationMs } : {}) };
}

function failedOver(context: SessionContext, run: StepRun & { kind: 'fail' }, step: CompiledStep): Partial<SessionContext> & Pick<SessionContext, 'journal'> {
  return {
    ...leaving(context),
    variables: withErrorVariable(context, step, run.error),
    lastError: { code: run.error.code, message: run.error.message },
    journal: [...context.journal, errorEvent(step, run.error, run.at, run.durationMs), { at: run.at, stepId: step.id, type: step.type, event: 'branch', branch: 'failure' }],
  };
}

function completed(context: SessionContext, run: StepRun & { kind: 'complete' }, step: CompiledStep): Partial<SessionContext> {
  return {
    ...leaving(context),
    result: { token: run.token, claims: run.claims },
    lastError: null,
    journal: [...context.journal, { at: run.at, stepId: step.id, type: step.type, event: 'ended', branch: 'completed', durationMs: run.durationMs }],
  };
}

function endWith(context: SessionContext, step: CompiledStep, error: StepError, status: 'rejected' | 'failed', at: string, durationMs?: number): Partial<SessionContext> {
  const safe = { code: error.code, message: error.message };
  return {
    ...leaving(context),
    variables: status === 'failed' ? withErrorVariable(context, step, error) : context.variables,
    endError: safe,
    journal: [
      ...context.journal,
      ...(status === 'failed' ? [errorEvent(step, error, at, durationMs)] : []),
      { at, stepId: step.id, type: step.type, event: 'ended', branch: status, error: safe },
    ],
  };
}

function ended(context: SessionContext, run: StepRun & { kind: 'reject' | 'abort' }, step: CompiledStep, status: 'rejected' | 'failed') {
  return endWith(context, step, run.error, status, run.at, run.durationMs);
}

function endedUnhandled(context: SessionContext, run: StepRun, step: CompiledStep): Partial<SessionContext> {
  if (run.kind === 'fail') return endWith(context, step, run.error, 'failed', run.at, run.durationMs);
  const branch = run.kind === 'branch' ? run.branch : run.kind;
  return endWith(context, step, { code: 'unwired_branch', message: `step "${step.id}" took branch "${branch}", which is not connected` }, 'failed', run.at, run.durationMs);
}

/** The session status a final state value stands for, or null when the value is not an end state. */
export function endStatus(value: unknown): 'completed' | 'rejected' | 'failed' | null {
  for (const [status, state] of Object.entries(END_STATES)) if (value === state) return status as 'completed' | 'rejected' | 'failed';
  return null;
}

