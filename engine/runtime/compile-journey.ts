/**
 * Compiles a journey document into an xstate machine: one state per step (running → waiting),
 * one guarded transition per wired branch, and the final states completed / rejected / failed.
 * The branch wiring lives only in the machine; the executor only says which branch a step took.
 * Steps run in one promise actor registered by name, so snapshots persist and restore.
 */
import { assign, fromPromise, setup, type SnapshotFrom } from 'xstate';
import type { Journey } from '../journey/journey-schema.js';
import type { ValidateFunction } from '../journey/schema-validator.js';
import type { StepRegistry } from '../steps/registry.js';
import type { JsonObject, StepError } from '../steps/step-types.js';
import type { TimelineEvent } from '../store/store.js';
import { compileConfigTemplate } from './expressions.js';
import { REDACTED, isSecretKey, redact } from './redact.js';
import { initialContext, type SessionContext, type SessionEvent, type SessionInput } from './session-context.js';
import { executeStep, type CompiledStep, type ExecutorDeps, type StepRun } from './step-executor.js';

export interface CompiledJourney {
  hash: string;
  document: Journey;
  machine: SessionMachine;
  steps: Map<string, CompiledStep>;
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
    });
  }
  return {
    hash,
    document,
    machine: buildMachine(document, steps, deps),
    steps,
    checkInput: document.input ? deps.compileSchema(document.input) : null,
    settings: {
      public: document.settings?.public === true,
      sessionTtlSeconds: document.settings?.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS,
    },
  };
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

function buildMachine(document: Journey, steps: Map<string, CompiledStep>, deps: ExecutorDeps) {
  const journeySetup = setup({
    types: {
      context: {} as SessionContext,
      events: {} as SessionEvent,
      input: {} as SessionInput,
    },
    actors: {
      runStep: fromPromise<StepRun, { stepId: string; context: SessionContext }>(({ input }) =>
        executeStep(steps.get(input.stepId)!, input.context, deps),
      ),
    },
  });

  type Transition = { target: string; reenter?: boolean; guard?: (args: { event: { output: StepRun } }) => boolean; actions: unknown };
  const stepStates: Record<string, unknown> = {};

  for (const [stepId, step] of steps) {
    const wired = (document.steps[stepId].branches ?? {}) as Record<string, string>;
    const failureTarget = step.onFailure === 'branch' && wired.failure ? wired.failure : null;
    const onDone: Transition[] = [
      { guard: ({ event }) => event.output.kind === 'ask', target: 'waiting', actions: update((context, run: any) => asked(context, run, step)) },
      { guard: ({ event }) => event.output.kind === 'complete', target: '#journey._completed', actions: update((context, run: any) => completed(context, run, step)) },
      { guard: ({ event }) => event.output.kind === 'reject', target: '#journey._rejected', actions: update((context, run: any) => ended(context, run, step, 'rejected')) },
      { guard: ({ event }) => event.output.kind === 'abort', target: '#journey._failed', actions: update((context, run: any) => ended(context, run, step, 'failed')) },
    ];
    for (const [branch, target] of Object.entries(wired)) {
      if (branch === 'failure' || !steps.has(target)) continue;
      onDone.push({
        guard: ({ event }) => event.output.kind === 'branch' && event.output.branch === branch,
        target: `#journey.${target}`,
        reenter: true,
        actions: update((context, run: any) => branched(context, run, step)),
      });
    }
    if (failureTarget && steps.has(failureTarget)) {
      onDone.push({
        guard: ({ event }) => event.output.kind === 'fail',
        target: `#journey.${failureTarget}`,
        reenter: true,
        actions: update((context, run: any) => failedOver(context, run, step)),
      });
    }
    // Anything left: a failure with nowhere to go, or a branch that is not wired.
    onDone.push({ target: '#journey._failed', actions: update((context, run: any) => endedUnhandled(context, run, step)) });

    stepStates[stepId] = {
      initial: 'running',
      entry: assign(({ context }: any) => entered(context as SessionContext, step, deps.now().toISOString())),
      states: {
        running: {
          invoke: {
            src: 'runStep',
            input: ({ context }: { context: SessionContext }) => ({ stepId, context }),
            onDone,
            onError: {
              target: '#journey._failed',
              actions: assign(({ context, event }: any) => {
                deps.onUnexpectedError(event.error, { stepId, type: step.type });
                return endWith(context as SessionContext, step, { code: 'internal', message: 'the step could not be run' }, 'failed', deps.now().toISOString());
              }),
            },
          },
        },
        waiting: {
          tags: ['waiting'],
          on: {
            SUBMIT: {
              target: 'running',
              actions: assign(({ context, event }: any) => submitted(context as SessionContext, event as SessionEvent, step)),
            },
          },
        },
      },
    };
  }

  return journeySetup.createMachine({
    id: 'journey',
    context: ({ input }) => initialContext(input),
    initial: document.start,
    states: {
      ...(stepStates as Record<string, object>),
      [END_STATES.completed]: { type: 'final' },
      [END_STATES.rejected]: { type: 'final' },
      [END_STATES.failed]: { type: 'final' },
    } as never,
  });
}


/** An assign action over the step's outcome (the machine's states are built dynamically, so typed loosely here). */
function update<R extends StepRun>(fn: (context: SessionContext, run: R) => Partial<SessionContext>) {
  return assign(({ context, event }: any) => fn(context as SessionContext, (event as { output: R }).output));
}

function entered(context: SessionContext, step: CompiledStep, at: string): Partial<SessionContext> {
  return { journal: [...context.journal, { at, stepId: step.id, type: step.type, event: 'entered' }] };
}

function asked(context: SessionContext, run: StepRun & { kind: 'ask' }, step: CompiledStep): Partial<SessionContext> {
  const events: TimelineEvent[] = [];
  if (run.error) events.push({ at: run.at, stepId: run.stepId, type: null, event: 'error', error: { code: run.error.code, message: run.error.message }, durationMs: run.durationMs });
  return {
    asked: { stepId: run.stepId, type: step.type, name: step.name, data: run.data, ...(run.sealedData ? { sealedData: run.sealedData } : {}), options: run.options },
    stepState: run.state,
    submission: null,
    lastError: run.error ?? context.lastError,
    stepsSinceWait: 0,
    journal: [...context.journal, ...events],
  };
}

function submitted(context: SessionContext, event: SessionEvent, step: CompiledStep): Partial<SessionContext> {
  const option = context.asked?.options.find((o) => o.id === event.submission.option);
  const data = event.submission.data;
  const shown = data && typeof data === 'object' ? (redact(data, option?.schema) as JsonObject) : undefined;
  return {
    submission: event.submission,
    runId: event.runId,
    lastError: null,
    journal: [
      ...context.journal,
      { at: event.at, stepId: step.id, type: step.type, event: 'submitted', option: event.submission.option, ...(shown ? { data: shown } : {}) },
    ],
  };
}

/** Leaving a step: its visit state, question and answer are dropped. */
function leaving(context: SessionContext): Partial<SessionContext> {
  return { asked: null, submission: null, stepState: undefined, stepsSinceWait: context.stepsSinceWait + 1 };
}

function branched(context: SessionContext, run: StepRun & { kind: 'branch' }, step: CompiledStep): Partial<SessionContext> {
  const changed = Object.keys(run.variables).length ? { variables: timelineVariables(context, run.variables) } : {};
  return {
    ...leaving(context),
    variables: Object.keys(run.variables).length ? { ...context.variables, ...run.variables } : context.variables,
    ...(run.user !== undefined ? { user: run.user } : {}),
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

function failedOver(context: SessionContext, run: StepRun & { kind: 'fail' }, step: CompiledStep): Partial<SessionContext> {
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

