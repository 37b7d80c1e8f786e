/**
 * Sub-journeys (#20, docs/sub-journeys.md): runs a called journey inside its caller's session.
 * The child's whole state (its machine snapshot, its version pinned when first reached) is kept in
 * the calling step's visit state, so a call needs no session row of its own and continues in any
 * process that loads the session. The child runs on the same driver as any session, under the
 * caller's CPU budget and step count, with the caller's `$user` and `$auth`; what it brings back
 * rides beside the call step's outcome as CallEffects (session-context.ts).
 */
import { performance } from 'node:perf_hooks';
import type { JourneyCall, JourneyCalls, JsonObject, StepContext, StepError, StepOutcome } from '../../steps/step-types.js';
import type { TimelineEvent } from '../../store/store.js';
import type { JourneyRuntime } from '../journey-runtime.js';
import { advanceSession, type Advanced } from '../machine-driver.js';
import { RUN_LIMITS, RunBudget } from '../run-budget.js';
import { currentRunBudget } from '../run-scope.js';
import { calledVersion, MAX_CALL_DEPTH } from './check-calls.js';
import { CALL_EFFECTS, SESSION_CONTEXT, type CallEffects, type SessionContext, type SessionInput, type SubmitEvent } from '../session-context.js';


/** What the call step keeps in its visit state while the child waits for the client. */
export interface CallState {
  journeyId: string;
  /** The version run, resolved when the session first reached the step. */
  version: number;
  documentHash: string;
  snapshot: JsonObject;
}

export class JourneyCallService implements JourneyCalls {
  constructor(
    private readonly runtime: () => JourneyRuntime,
    private readonly timeoutMs: number,
  ) {}

  async run(ctx: StepContext, call: JourneyCall): Promise<StepOutcome> {
    const parent = (ctx as unknown as { [SESSION_CONTEXT]?: SessionContext })[SESSION_CONTEXT];
    if (!parent) return ctx.fail({ code: 'internal', message: 'the call has no session to run in' });
    const state = ctx.state?.call as CallState | undefined;
    if (state && ctx.submission) return this.resume(ctx, parent, state);
    return this.begin(ctx, parent, call);
  }

  private async begin(ctx: StepContext, parent: SessionContext, call: JourneyCall): Promise<StepOutcome> {
    const callers = [...(parent.callers ?? []), parent.journeyId];
    if (callers.includes(call.journeyId) || callers.length > MAX_CALL_DEPTH) {
      return ctx.fail({ code: 'call_cycle', message: `journey "${call.journeyId}" is already running in this call chain (${callers.join(' → ')})` });
    }
    const version = await calledVersion(this.runtime().store.journeys, call);
    if (!version) {
      const which = call.version === 'latest' ? 'no published version' : `no version ${call.version}`;
      return ctx.fail({ code: 'unknown_journey', message: `journey "${call.journeyId}" has ${which}` });
    }
    const compiled = await this.runtime().load(version.documentHash);
    if (compiled.checkInput && !compiled.checkInput(call.input)) {
      const problems = (compiled.checkInput.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
      return ctx.fail({ code: 'invalid_call_input', message: `the input does not match the input schema of "${call.journeyId}": ${problems[0]}`, details: { errors: problems } });
    }
    const input: SessionInput = {
      sessionId: parent.sessionId,
      journeyId: call.journeyId,
      journeyVersion: version.version,
      testRun: parent.testRun,
      startedAt: ctx.now().toISOString(),
      input: call.input,
      ui: null,
      // The call's input is the journey's own data, never a trusted caller's word.
      trustedInput: false,
      user: parent.user,
      device: parent.device,
      clientAddress: parent.clientAddress ?? null,
      call: { callers, auth: parent.auth, stepsSinceWait: parent.stepsSinceWait, runId: childRunId(parent, ctx) },
    };
    const advanced = await this.advance(() => advanceSession(compiled, { input }, undefined, this.timeoutMs, this.budget()));
    // The version the call resolved is recorded on the child's first event.
    if (advanced.journal.length) advanced.journal[0] = { ...advanced.journal[0], journey: { id: call.journeyId, version: version.version } };
    return this.outcome(ctx, { journeyId: call.journeyId, version: version.version, documentHash: version.documentHash }, advanced);
  }

  private async resume(ctx: StepContext, parent: SessionContext, state: CallState): Promise<StepOutcome> {
    const compiled = await this.runtime().load(state.documentHash);
    const stored = state.snapshot as { value: unknown; context: SessionContext };
    const snapshot = { ...stored, context: { ...stored.context, stepsSinceWait: parent.stepsSinceWait } } as unknown as JsonObject;
    const event: SubmitEvent = {
      type: 'SUBMIT',
      submission: ctx.submission!,
      at: ctx.now().toISOString(),
      runId: childRunId(parent, ctx),
      device: parent.device,
      clientAddress: parent.clientAddress ?? null,
    };
    const advanced = await this.advance(() => advanceSession(compiled, { snapshot }, event, this.timeoutMs, this.budget()));
    return this.outcome(ctx, state, advanced);
  }

  private budget(): RunBudget {
    return currentRunBudget() ?? new RunBudget(RUN_LIMITS.cpuBudgetMs);
  }

  /**
   * Runs the child. Its steps charge the shared budget themselves, so the call step, which the
   * executor charges for its whole run, is not charged their time a second time.
   */
  private async advance(run: () => Promise<Advanced>): Promise<Advanced> {
    const budget = currentRunBudget();
    const started = performance.now();
    const waitedBefore = budget?.ioMs ?? 0;
    try {
      return await run();
    } finally {
      if (budget) budget.ioMs += performance.now() - started - (budget.ioMs - waitedBefore);
    }
  }

  private outcome(ctx: StepContext, called: Omit<CallState, 'snapshot'>, advanced: Advanced): StepOutcome {
    const child = advanced.context;
    const effects: CallEffects = { journal: prefixed(advanced.journal, ctx.step.id), stepsSinceWait: child.stepsSinceWait };
    let outcome: StepOutcome;
    if (advanced.status === 'waiting' && child.asked) {
      effects.shown = {
        stepId: `${ctx.step.id}/${advanced.stepId}`,
        type: child.asked.type,
        name: child.asked.name,
        ...(child.asked.sealedData ? { sealedData: child.asked.sealedData } : {}),
      };
      const state: CallState = { ...called, snapshot: advanced.snapshot };
      outcome = ctx.ask({ data: child.asked.data, options: child.asked.options, error: child.lastError, state: { call: state as unknown as JsonObject } });
    } else if (advanced.status === 'completed') {
      effects.auth = child.auth;
      outcome = ctx.branch('success', { output: child.result?.claims ?? {}, user: child.user });
    } else {
      const error: StepError = child.endError ?? { code: 'call_failed', message: `journey "${called.journeyId}" ended ${advanced.status}` };
      outcome = ctx.fail({ code: error.code, message: error.message });
    }
    return Object.assign(outcome, { [CALL_EFFECTS]: effects });
  }
}

/** The child's side effects are keyed apart from its caller's (a step id may repeat across journeys). */
function childRunId(parent: SessionContext, ctx: StepContext): string {
  return `${parent.runId}/${ctx.step.id}`;
}

/** The child's timeline as the caller's: each step id under the call step's. */
function prefixed(events: TimelineEvent[], callStepId: string): TimelineEvent[] {
  return events.map((event) => ({ ...event, stepId: event.stepId === null ? callStepId : `${callStepId}/${event.stepId}` }));
}
