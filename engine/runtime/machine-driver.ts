/**
 * Drives a session through its journey's machine: from a start or a persisted snapshot, it runs
 * the step the machine is in, sends the outcome back as `STEP_DONE`, and repeats until the machine
 * waits for the client or ends. The machine decides where each outcome leads; the driver only
 * runs steps, so every transition still goes through xstate.
 *
 * Only xstate's public API is used: one actor per run (`createActor` from the input or from
 * `machine.resolveState` of the persisted snapshot), `send`, `getSnapshot`. One actor per run, not
 * xstate's pure `transition()`, because `transition()` builds a throwaway actor on every call:
 * measured on a 20-step chain, 35 µs a transition against 12-17 µs for an actor kept for the run
 * (docs/benchmarks.md, "xstate").
 */
import { performance } from 'node:perf_hooks';
import { createActor, type Actor } from 'xstate';
import type { JsonObject } from '../steps/step-types.js';
import type { SessionStatus, TimelineEvent } from '../store/store.js';
import { endStatus, waitingState, waitingStep, type CompiledJourney, type SessionMachine, type SessionSnapshot } from './compile-journey.js';
import { EngineError } from './errors.js';
import { RUN_LIMITS, RunBudget } from './run-budget.js';
import { withRunBudget } from './run-scope.js';
import type { SessionContext, SessionEvent, SessionInput, SubmitEvent } from './session-context.js';

export interface Advanced {
  /** What is stored between round trips: the state value and the context (journal emptied). */
  snapshot: JsonObject;
  context: SessionContext;
  status: SessionStatus;
  stepId: string | null;
  /** Timeline events of this run, to be written with the session. */
  journal: TimelineEvent[];
}

export async function advanceSession(
  compiled: CompiledJourney,
  from: { input: SessionInput } | { snapshot: JsonObject },
  event: SubmitEvent | undefined,
  timeoutMs: number,
  /**
   * CPU milliseconds this run may spend in expressions and step code (see run-budget.ts), or the
   * budget of the run this one is part of (a called journey shares its caller's).
   */
  cpuBudgetMs: number | RunBudget = RUN_LIMITS.cpuBudgetMs,
): Promise<Advanced> {
  const budget = typeof cpuBudgetMs === 'number' ? new RunBudget(cpuBudgetMs) : cpuBudgetMs;
  // The whole run in the budget's scope (not each step: a step that does not wait then costs no
  // async context switch; see executeStep).
  return withRunBudget(budget, () => drive(compiled, from, event, timeoutMs, budget));
}

async function drive(
  compiled: CompiledJourney,
  from: { input: SessionInput } | { snapshot: JsonObject },
  event: SubmitEvent | undefined,
  timeoutMs: number,
  budget: RunBudget,
): Promise<Advanced> {
  const actor = start(compiled, from);
  const startedAt = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let deadline: Promise<never> | undefined;
  try {
    let snapshot = checked(actor);
    if (event) snapshot = send(actor, event);
    for (;;) {
      const stepId = runningStep(snapshot);
      if (stepId === null) break;
      let output = compiled.runStep(stepId, snapshot.context, budget);
      if (output instanceof Promise) {
        // Only a step that waits can outlive the run's time; its deadline counts from the run's start.
        deadline ??= new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new EngineError('internal', 'the session did not reach a waiting step in time')),
            Math.max(0, timeoutMs - (performance.now() - startedAt)),
          );
        });
        output = await Promise.race([output, deadline]);
      }
      snapshot = send(actor, { type: 'STEP_DONE', output });
    }
    return settled(compiled, snapshot);
  } finally {
    clearTimeout(timer);
    actor.stop();
  }
}

type SessionActor = Actor<SessionMachine>;

/**
 * The run's actor, started from the start input or from the persisted snapshot. Only the state
 * value and context are read back, so snapshots written before the machine was flat
 * (`{ step: 'waiting' }`, with actor fields beside) restore too.
 */
function start(compiled: CompiledJourney, from: { input: SessionInput } | { snapshot: JsonObject }): SessionActor {
  let actor: SessionActor;
  if ('input' in from) {
    actor = createActor(compiled.machine, { input: from.input });
  } else {
    const { value, context: stored } = from.snapshot as { value: unknown; context: SessionContext };
    const context = stored.secretPaths?.length
      ? { ...stored, variables: compiled.secrets.unseal(stored.variables, stored.secretPaths, stored.sessionId) }
      : stored;
    const flat = typeof value === 'object' && value !== null ? waitingState(Object.keys(value)[0]) : value;
    let snapshot: SessionSnapshot;
    try {
      snapshot = compiled.machine.resolveState({ value: flat as SessionSnapshot['value'], context });
    } catch {
      throw new EngineError('internal', 'the session could not be run');
    }
    // xstate's types ask for the input even with a snapshot, which it then never reads.
    actor = createActor(compiled.machine, { snapshot, input: undefined as unknown as SessionInput });
  }
  // An action that throws puts the actor in an error state, which `checked` turns into a refusal;
  // observing errors keeps xstate from rethrowing them as unhandled.
  actor.subscribe({ error: () => {} });
  actor.start();
  return actor;
}

function send(actor: SessionActor, event: SessionEvent): SessionSnapshot {
  actor.send(event);
  return checked(actor);
}

/** An action that throws (a bug, never a step's failure) fails the request, not the process. */
function checked(actor: SessionActor): SessionSnapshot {
  const snapshot = actor.getSnapshot();
  if (snapshot.status === 'error') throw new EngineError('internal', 'the session could not be run');
  return snapshot;
}

/** The step whose state is `running`, or null when the machine waits or has ended. */
function runningStep(snapshot: SessionSnapshot): string | null {
  const value = snapshot.value as string;
  return snapshot.status === 'active' && waitingStep(value) === null ? value : null;
}

function settled(compiled: CompiledJourney, snapshot: SessionSnapshot): Advanced {
  const context = snapshot.context as SessionContext;
  const value = snapshot.value as string;
  // Secrets a form collected are kept sealed at rest; the run's own context keeps them readable.
  const variables = context.secretPaths?.length ? compiled.secrets.seal(context.variables, context.secretPaths, context.sessionId) : context.variables;
  const persisted = { value, context: { ...context, variables, journal: [] } } as unknown as JsonObject;
  const ended = snapshot.status === 'done' ? endStatus(value) : null;
  if (ended) return { snapshot: persisted, context, status: ended, stepId: null, journal: context.journal };
  return { snapshot: persisted, context, status: 'waiting', stepId: context.asked?.shownId ?? waitingStep(value), journal: context.journal };
}
