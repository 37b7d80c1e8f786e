/**
 * Runs one step of a session: evaluates its config expressions, applies the config schema's
 * defaults and checks the result, hands the step its context, and normalises what it answers.
 * Whatever a step does (throws, answers nonsense, loops through expressions), the result is one
 * of the outcomes below, never an exception, so failure semantics stay uniform for every step.
 */
import { performance } from 'node:perf_hooks';
import type {
  ClientOption,
  JsonObject,
  StepContext,
  StepDefinition,
  StepError,
  StepOutcome,
  StepServices,
} from '../steps/step-types.js';
import { errorPointer, type ValidateFunction } from '../journey/schema-validator.js';
import { ExpressionError, NOT_DIRECT, evaluateConfigTemplate, evaluateConfigTemplateDirectly, type ConfigTemplate, type ExpressionScope } from './expressions.js';
import { RUN_LIMITS, type RunBudget } from './run-budget.js';
import { CALL_EFFECTS, SESSION_CONTEXT, type CallEffects, type SessionContext, type StepRun } from './session-context.js';

export type { StepRun };

/** A session may run this many steps without the client answering before it is ended. */
export const MAX_STEPS_WITHOUT_CLIENT = 1000;

export interface CompiledStep {
  id: string;
  type: string;
  name: string;
  definition: StepDefinition;
  template: ConfigTemplate;
  /** Validates the evaluated config and fills in its defaults (mutates its argument). */
  checkConfig: ValidateFunction;
  errorOutputVariable: string | null;
  onFailure: 'branch' | 'abort';
  /** The config, defaults applied and frozen, when it holds no expression (no work per run). */
  staticConfig: JsonObject | null;
  /**
   * Variable paths that a `writeOnly` config property (a password) read: erased from the session
   * once the step has run, so a secret a form collected is consumed, not kept.
   */
  erase: string[][] | null;
  /** Top-level config keys whose value is a literal or reads only `$input` (see fromTrustedCaller). */
  callerKeys: ReadonlySet<string>;
}

export interface ExecutorDeps {
  services: StepServices;
  /** Seals step data marked sensitive before it is kept in the session. */
  sealStepData(data: JsonObject, sessionId: string): string;
  unsealStepData(sealed: string, sessionId: string): JsonObject;
  now: () => Date;
  issueToken(subject: { context: SessionContext; claims: JsonObject }): Promise<string>;
  onUnexpectedError(error: unknown, where: { stepId: string; type: string; journeyId?: string; journeyVersion?: number | null }): void;
  /** Compiles (and caches) an option schema; throws when it cannot be used. */
  compileSchema?(schema: object): unknown;
}

/**
 * Runs one step. Answers without a promise when nothing in the step waits (its config read
 * directly, its code synchronous, no token to sign), so a chain of such steps costs no promise,
 * microtask or async-hook work per step; otherwise a promise of the same result.
 */
export function executeStep(step: CompiledStep, context: SessionContext, deps: ExecutorDeps, budget?: RunBudget): StepRun | Promise<StepRun> {
  const started = performance.now();
  const now = deps.now();

  if (budget?.exhausted) return finish(step, now, started, budgetExceeded(budget));

  if (context.stepsSinceWait >= MAX_STEPS_WITHOUT_CLIENT) {
    return finish(step, now, started, {
      kind: 'abort',
      error: { code: 'step_limit_exceeded', message: `more than ${MAX_STEPS_WITHOUT_CLIENT} steps ran without the client answering` },
    });
  }

  if (step.staticConfig) return runWith(step, step.staticConfig, context, deps, now, started, budget);
  const evaluated = evaluateConfig(step, context, now, budget);
  if (evaluated instanceof Promise) {
    return evaluated.then((settled) => {
      if (budget?.exhausted) return finish(step, now, started, budgetExceeded(budget));
      if ('kind' in settled) return finish(step, now, started, settled);
      return runWith(step, settled.config, context, deps, now, started, budget);
    });
  }
  if (budget?.exhausted) return finish(step, now, started, budgetExceeded(budget));
  if ('kind' in evaluated) return finish(step, now, started, evaluated);
  return runWith(step, evaluated.config, context, deps, now, started, budget);
}

/** Runs the step's code with its config and normalises what it answers. */
function runWith(
  step: CompiledStep,
  config: JsonObject,
  context: SessionContext,
  deps: ExecutorDeps,
  now: Date,
  started: number,
  budget: RunBudget | undefined,
): StepRun | Promise<StepRun> {
  const ctx = buildContext(step, config, context, deps, now);
  const runStarted = performance.now();
  const waitedBefore = budget?.ioMs ?? 0;
  // No closures here: created per step, each costs an allocation (and a name under tsx).
  let answered: StepOutcome | Promise<StepOutcome>;
  try {
    answered = step.definition.run(ctx);
  } catch (error) {
    charge(budget, runStarted, waitedBefore);
    return stepFailed(step, error, context, deps, now, started);
  }
  if (!isThenable(answered)) {
    charge(budget, runStarted, waitedBefore);
    return outcomeRun(step, answered, config, context, deps, now, started);
  }
  return Promise.resolve(answered).then(
    (outcome) => {
      charge(budget, runStarted, waitedBefore);
      return outcomeRun(step, outcome, config, context, deps, now, started);
    },
    (error: unknown) => {
      charge(budget, runStarted, waitedBefore);
      return stepFailed(step, error, context, deps, now, started);
    },
  );
}

/** Step code is charged its own time; its waits on outbound HTTP and message providers are not. */
function charge(budget: RunBudget | undefined, runStarted: number, waitedBefore: number): void {
  if (budget) budget.usedMs += performance.now() - runStarted - (budget.ioMs - waitedBefore);
}

/** Step code that threw or rejected: the step fails (its error is reported, never shown). */
function stepFailed(step: CompiledStep, error: unknown, context: SessionContext, deps: ExecutorDeps, now: Date, started: number): StepRun {
  deps.onUnexpectedError(error, { stepId: step.id, type: step.type, journeyId: context.journeyId, journeyVersion: context.journeyVersion });
  return finish(step, now, started, { kind: 'fail', error: { code: 'step_error', message: `step "${step.id}" failed unexpectedly` } });
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** The run of a step that answered `outcome`. */
function outcomeRun(step: CompiledStep, outcome: StepOutcome, config: JsonObject, context: SessionContext, deps: ExecutorDeps, now: Date, started: number): StepRun | Promise<StepRun> {
  const result = normaliseOutcome(step, outcome, config, context, deps, now);
  if (result instanceof Promise) return result.then((settled) => withCall(step, outcome, settled, now, started));
  return withCall(step, outcome, result, now, started);
}

/** A called journey's timeline, steps and `$auth` ride beside its outcome (engine/runtime/calls/). */
function withCall(step: CompiledStep, outcome: StepOutcome, result: Outcome, now: Date, started: number): StepRun {
  const call = callEffectsOf(outcome);
  if (call) (result as StepRun).call = call;
  return finish(step, now, started, result);
}

function budgetExceeded(budget: RunBudget): { kind: 'abort'; error: StepError } {
  return { kind: 'abort', error: { code: 'budget_exceeded', message: `the request exceeded its CPU budget of ${budget.limitMs} ms` } };
}

/** What a `journey.call` run brings back beside its outcome, if this outcome is one (engine/runtime/calls/). */
function callEffectsOf(outcome: StepOutcome | undefined): CallEffects | undefined {
  return (outcome as { [CALL_EFFECTS]?: CallEffects } | undefined)?.[CALL_EFFECTS];
}

/** Characters of a value's JSON (what it costs to keep and send). */
function jsonSize(value: unknown): number {
  return JSON.stringify(value)?.length ?? 0;
}

/**
 * Turns what a step answered into one of the run kinds; anything malformed becomes a failure.
 * Only a completion (its token signed) answers a promise.
 */
function normaliseOutcome(
  step: CompiledStep,
  outcome: StepOutcome,
  config: JsonObject,
  context: SessionContext,
  deps: ExecutorDeps,
  now: Date,
): Outcome | Promise<Outcome> {
  switch (outcome?.kind) {
    case 'branch': {
      const variables: Record<string, unknown> = outcome.variables ? { ...outcome.variables } : {};
      const outputVariable = typeof config.outputVariable === 'string' ? config.outputVariable : null;
      if (outcome.output !== undefined && outputVariable) variables[outputVariable] = outcome.output;
      if (Object.keys(variables).length && jsonSize({ ...context.variables, ...variables }) > RUN_LIMITS.variablesChars) {
        return { kind: 'abort', error: { code: 'variables_too_large', message: `the session's variables would exceed ${RUN_LIMITS.variablesChars} characters` } };
      }
      return {
        kind: 'branch',
        branch: outcome.branch,
        variables,
        ...(outcome.user !== undefined ? { user: outcome.user } : {}),
        ...(outcome.proved !== undefined ? { proved: outcome.proved } : {}),
        ...(outcome.established === true ? { established: true as const } : {}),
        ...(outcome.secrets?.length && outcome.output !== undefined && outputVariable
          ? { secrets: outcome.secrets.map((path) => [outputVariable, ...path]) }
          : {}),
        tokens: outcome.tokens?.length ? outcome.tokens.map((t) => ({ type: t.type, issuedAt: now.toISOString(), claims: t.claims })) : [],
      };
    }
    case 'fail':
      return { kind: 'fail', error: normaliseError(outcome.error) };
    case 'ask': {
      // Literal option schemas were checked before publishing; one computed at run time that does
      // not compile (a pattern RE2 cannot run, or no JSON Schema at all) fails the step now, instead
      // of every submission answering 500.
      for (const option of outcome.options) {
        if (!option.schema || !deps.compileSchema) continue;
        try {
          deps.compileSchema(option.schema);
        } catch (error) {
          const reason = error instanceof Error ? error.message : 'it does not compile';
          return { kind: 'fail', error: { code: 'expression_error', message: `the schema of option "${option.id}" cannot be used: ${reason}` } };
        }
      }
      // A called journey's sealed step data is already sealed for this session: kept as it is.
      const shownSealed = callEffectsOf(outcome)?.shown?.sealedData;
      return {
        kind: 'ask',
        ...(shownSealed
          ? { data: {}, sealedData: shownSealed }
          : outcome.sensitive
          ? { data: {}, sealedData: deps.sealStepData(outcome.data ?? {}, context.sessionId) }
          : { data: outcome.data ?? {} }),
        options: outcome.options.map((o) => ({ id: o.id, ...(o.label !== undefined ? { label: o.label } : {}), ...(o.schema ? { schema: o.schema } : {}) })),
        error: outcome.error ? normaliseError(outcome.error) : null,
        state: outcome.state,
      };
    }
    case 'complete': {
      const claims = outcome.claims ?? {};
      if (jsonSize(claims) > RUN_LIMITS.claimsChars) {
        return { kind: 'abort', error: { code: 'claims_too_large', message: `the claims exceed ${RUN_LIMITS.claimsChars} characters` } };
      }
      // A called journey's claims go back to its caller, which issues the session's one token.
      if (context.callers) return { kind: 'complete', claims, token: '' };
      return signed(step, claims, context, deps);
    }
    case 'reject':
      return { kind: 'reject', error: normaliseError(outcome.error) };
    default:
      deps.onUnexpectedError(new Error(`step answered an unknown outcome`), { stepId: step.id, type: step.type, journeyId: context.journeyId, journeyVersion: context.journeyVersion });
      return { kind: 'fail', error: { code: 'step_error', message: `step "${step.id}" answered no outcome` } };
  }
}

type Outcome = DistributiveOmit<StepRun, 'stepId' | 'at' | 'durationMs'>;

async function signed(step: CompiledStep, claims: JsonObject, context: SessionContext, deps: ExecutorDeps): Promise<Outcome> {
  try {
    return { kind: 'complete', claims, token: await deps.issueToken({ context, claims }) };
  } catch (error) {
    deps.onUnexpectedError(error, { stepId: step.id, type: step.type, journeyId: context.journeyId, journeyVersion: context.journeyVersion });
    return { kind: 'abort', error: { code: 'internal', message: 'the result token could not be issued' } };
  }
}

/** Completes a run result built by this module (so it may be completed in place: no copy per step). */
function finish(step: CompiledStep, now: Date, started: number, result: DistributiveOmit<StepRun, 'stepId' | 'at' | 'durationMs'>): StepRun {
  const run = result as StepRun;
  run.stepId = step.id;
  run.at = now.toISOString();
  run.durationMs = Math.round((performance.now() - started) * 1000) / 1000;
  return run;
}

/**
 * Evaluates a config's expressions, applies defaults and checks the result against the step
 * schema; without a promise when every expression is read directly.
 */
function evaluateConfig(
  step: CompiledStep,
  context: SessionContext,
  now: Date,
  budget: RunBudget | undefined,
): Evaluated | Promise<Evaluated> {
  const scope: ExpressionScope = {
    variables: context.variables,
    input: context.input,
    user: context.user,
    auth: context.auth ?? null,
    tokens: context.tokens,
    now,
    budget,
  };
  let direct: unknown;
  try {
    direct = evaluateConfigTemplateDirectly(step.template, scope);
  } catch (error) {
    return expressionFailure(error);
  }
  if (direct !== NOT_DIRECT) return checked(step, direct);
  return evaluateConfigTemplate(step.template, scope).then((evaluated) => checked(step, evaluated), expressionFailure);
}

type Evaluated = { config: JsonObject } | { kind: 'fail'; error: StepError };

function expressionFailure(error: unknown): Evaluated {
  if (error instanceof ExpressionError) {
    return { kind: 'fail', error: { code: 'expression_error', message: error.message, details: { path: `/config${error.path}` } } };
  }
  throw error;
}

function checked(step: CompiledStep, evaluated: unknown): Evaluated {
  const config = (evaluated ?? {}) as JsonObject;
  if (!step.checkConfig(config)) {
    // Literal config passed validation before publishing, so only expression results can be wrong here.
    const problems = (step.checkConfig.errors ?? []).map((e) => `${errorPointer(e) || '/'} ${e.message}`);
    return {
      kind: 'fail',
      error: { code: 'expression_error', message: `an expression produced a value the step cannot use: ${problems[0]}`, details: { errors: problems } },
    };
  }
  return { config };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function normaliseError(error: StepError | undefined): StepError {
  const code = typeof error?.code === 'string' && error.code ? error.code : 'step_error';
  const message = typeof error?.message === 'string' ? error.message : code;
  return error?.details === undefined ? { code, message } : { code, message, details: error.details };
}

function buildContext(step: CompiledStep, config: JsonObject, context: SessionContext, deps: ExecutorDeps, now: Date): StepContext {
  const isCurrentVisit = context.asked?.stepId === step.id;
  return {
    step: { id: step.id, type: step.type, name: step.name },
    config,
    variables: context.variables,
    input: context.input,
    user: context.user,
    auth: context.auth ?? null,
    submission: isCurrentVisit ? context.submission : null,
    state: isCurrentVisit ? context.stepState : undefined,
    session: {
      id: context.sessionId,
      journeyId: context.journeyId,
      journeyVersion: context.journeyVersion,
      startedAt: context.startedAt,
      testRun: context.testRun,
      runId: context.runId,
      device: context.device ?? null,
      clientAddress: context.clientAddress ?? null,
    },
    tokens: context.tokens,
    services: deps.services,
    // Methods, not arrows: under tsx (esbuild keepNames) each arrow made per step also costs a
    // defineProperty of its name.
    now() {
      return new Date(now.getTime());
    },
    fromTrustedCaller(key: string) {
      return context.trustedInput === true && step.callerKeys.has(key);
    },
    hasConfig(key: string) {
      return step.template.literal !== null && typeof step.template.literal === 'object' && Object.hasOwn(step.template.literal, key);
    },
    ...OUTCOMES,
    // Read only by the engine's call service (a symbol: not part of the SDK, invisible in JSON).
    [SESSION_CONTEXT]: context,
  } as StepContext;
}

/** The outcome builders hold nothing of a run, so every step context shares them. */
const OUTCOMES: Pick<StepContext, 'branch' | 'fail' | 'ask' | 'complete' | 'reject'> = {
  branch: (name, effects = {}) => ({ kind: 'branch', branch: name, ...effects }),
  fail: (error) => ({ kind: 'fail', error }),
  ask: (request) => ({ kind: 'ask', ...request }),
  complete: (claims = {}) => ({ kind: 'complete', claims }),
  reject: (error) => ({ kind: 'reject', error }),
};
