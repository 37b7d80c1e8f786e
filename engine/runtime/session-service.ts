/**
 * Sessions: start a journey, take the client's answers, answer the current step. A session runs
 * until it waits for the client or ends; only then is its snapshot persisted (with the document
 * hash of its journey version, since a snapshot restores only on the machine it came from).
 * Each submit takes the session's lease with an atomic compare-and-set riding on its first write
 * (run-writes.ts), so concurrent submits to one session get exactly one success and 409s, across
 * processes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Journey } from '../journey/journey-schema.js';
import { secretsEqual, sha256 } from '../security/constant-time.js';
import type { JsonObject, StepError, Submission, UserContext } from '../steps/step-types.js';
import { GuardFailed, type ChangeRecords, type SessionRecord, type SessionStatus, type TimelineEvent } from '../store/store.js';
import { sessionFunnel } from '../analytics/session-funnel.js';
import { sessionEnded } from '../webhooks/events.js';
import type { CompiledJourney } from './compile-journey.js';
import type { StepResponse as ContractStepResponse } from '../http/contract/types.js';
import { EngineError } from './errors.js';
import { hashDocument, type JourneyRuntime } from './journey-runtime.js';
import { advanceSession, type Advanced } from './machine-driver.js';
import { collectingRunWrites, RunLease, RunWrites } from './run-writes.js';
import type { SessionContext, SessionInput } from './session-context.js';
import { isAtStep } from './calls/step-path.js';

export type Caller = 'anonymous' | 'app' | 'admin';

/** What start, submit, get and test runs answer: the API's shape (engine/http/contract). */
export type StepResponse = ContractStepResponse;

/** Told what each run did (metrics); optional. */
export interface SessionObserver {
  sessionStarted(journeyId: string, journeyVersion: number | null): void;
  timeline(journeyId: string, events: TimelineEvent[], journeyVersion: number | null): void;
}

export interface SessionSettings {
  redirectOrigins: string[];
  /** Prefix of the hosted runner's address (empty: relative). */
  publicUrl: string;
  /** How long a submit may hold a session before another may take it over. */
  leaseSeconds: number;
  /** Longest time a session may run between two answers before the request gives up. */
  advanceTimeoutMs: number;
  /** CPU milliseconds one start or submit may spend in expressions and step code. */
  cpuBudgetMs?: number;
}

export class SessionService {
  constructor(
    private readonly runtime: JourneyRuntime,
    private readonly settings: SessionSettings,
    private readonly observer?: SessionObserver,
  ) {}

  /** Starts the journey's latest published version. */
  async start(
    journeyId: string,
    body: { input?: unknown; ui?: { redirectUrl?: string } },
    caller: Caller,
    /**
     * `user`: server-side callers only, the user context the session starts with (established).
     * `device`: the browser's device cookie, when the request carried one.
     */
    options: {
      user?: UserContext | null;
      device?: string | null;
      clientAddress?: string | null;
      /** The input came from a browser through a trusted caller (the OpenID provider's login_hint): it establishes nobody. */
      inputFromBrowser?: boolean;
    } = {},
  ): Promise<StepResponse> {
    const version = await this.runtime.store.journeys.getLatestVersion(journeyId);
    if (!version) throw new EngineError('not_found', `no published journey "${journeyId}"`);
    const compiled = await this.runtime.load(version.documentHash);
    if (!compiled.settings.public && caller === 'anonymous') {
      throw new EngineError('unauthorized', 'this journey is not public: an app or admin key is required');
    }
    return this.begin(compiled, version.version, body, {
      testRun: false,
      caller,
      user: options.user ?? null,
      device: options.device ?? null,
      clientAddress: options.clientAddress ?? null,
      inputFromBrowser: options.inputFromBrowser ?? false,
    });
  }

  /** Admin test run of the draft (or of a published version), public or not. */
  async startTestRun(journeyId: string, body: { input?: unknown; version?: number }): Promise<StepResponse> {
    let compiled: CompiledJourney;
    let versionNumber: number | null = null;
    if (body.version !== undefined) {
      const version = await this.runtime.store.journeys.getVersion(journeyId, body.version);
      if (!version) throw new EngineError('not_found', `journey "${journeyId}" has no version ${body.version}`);
      compiled = await this.runtime.load(version.documentHash);
      versionNumber = version.version;
    } else {
      const draft = await this.runtime.store.journeys.getDraft(journeyId);
      if (!draft) throw new EngineError('not_found', `no journey "${journeyId}"`);
      const hash = hashDocument(draft.document);
      compiled = this.runtime.compile(draft.document as Journey, hash);
      // The draft's document is stored for the session only once its input is accepted.
      const document = draft.document;
      return this.begin(compiled, null, { input: body.input }, { testRun: true, caller: 'admin' }, () => this.runtime.store.journeys.putDocument(hash, document));
    }
    return this.begin(compiled, versionNumber, { input: body.input }, { testRun: true, caller: 'admin' });
  }

  async get(sessionId: string, sessionToken: string): Promise<StepResponse> {
    const record = await this.authorised(sessionId, sessionToken);
    this.refuseExpired(record);
    return this.response(record, sessionToken, record.snapshot as unknown as { context: SessionContext });
  }

  /** `parse` checks the body's shape; it runs after the session token, so a stranger learns nothing from it. */
  async submit(
    sessionId: string,
    sessionToken: string,
    rawBody: unknown,
    parse: (body: unknown) => { stepId: string; option: string; data?: unknown },
    /** Runs once the token is known to be right (rate limiting per session). */
    authorisedHook?: () => Promise<void>,
    options: { device?: string | null; clientAddress?: string | null } = {},
  ): Promise<StepResponse> {
    const record = await this.authorised(sessionId, sessionToken);
    await authorisedHook?.();
    const body = parse(rawBody);
    const advanced = await this.advance(record, body, options);
    return this.response(advanced.record, sessionToken, { context: advanced.context });
  }

  /**
   * A submit on the session's behalf by a trusted server-side caller that has proved something for
   * it (a used email link), without the session token. Same checks and claim as a client's submit.
   */
  async resume(sessionId: string, body: { stepId: string; option: string; data?: unknown }): Promise<{ status: SessionStatus }> {
    const record = await this.runtime.store.sessions.get(sessionId);
    if (!record) throw new EngineError('not_found', 'no such session');
    // A step of a called journey knows only its own id; the session shows it under the call's (#20).
    const stepId = isAtStep(record.stepId, body.stepId) ? record.stepId! : body.stepId;
    const advanced = await this.advance(record, { ...body, stepId }, {});
    return { status: advanced.record.status };
  }

  private async advance(
    record: SessionRecord,
    body: { stepId: string; option: string; data?: unknown },
    origin: { device?: string | null; clientAddress?: string | null },
  ): Promise<{ record: SessionRecord; context: SessionContext }> {
    const { device } = origin;
    const sessionId = record.id;
    this.refuseExpired(record);
    if (record.status !== 'waiting') throw new EngineError('session_ended', `the session has ended (${record.status})`);
    const context = (record.snapshot as unknown as { context: SessionContext }).context;
    if (body.stepId !== record.stepId) {
      throw new EngineError('stale_step', `the session is at step "${record.stepId}", not "${body.stepId}"`, { currentStepId: record.stepId });
    }
    const submission = this.checkSubmission(context, body);
    const compiled = await this.runtime.load(record.documentHash);

    const now = this.runtime.now();
    // A live lease: another submit is running (checked again, atomically, by the lease's write).
    if (record.leaseUntil !== null && record.leaseUntil >= now.toISOString()) {
      throw new EngineError('conflict', 'another submit to this session is being processed');
    }
    const { sessions } = this.runtime.store;
    const leaseFor = () => new Date(this.runtime.now().getTime() + this.settings.leaseSeconds * 1000).toISOString();
    // A short lease, renewed while the submit runs once it holds it: a process that dies mid-submit
    // blocks its session only until the lease runs out, never for the length of the longest step.
    let heartbeat: NodeJS.Timeout | undefined;
    const lease = new RunLease(
      { sessionId, expectedRevision: record.revision, leaseUntil: leaseFor(), now: now.toISOString() },
      (claim) => sessions.claim(claim.sessionId, claim.expectedRevision, claim.leaseUntil, claim.now),
      (taken) => {
        heartbeat = setInterval(() => {
          sessions.renewLease(sessionId, taken, leaseFor()).catch(() => undefined);
        }, (this.settings.leaseSeconds * 1000) / 3);
        heartbeat.unref();
      },
    );
    // The run's side effects are keyed by the revision its lease takes (at most once each).
    const event = { type: 'SUBMIT' as const, submission, at: now.toISOString(), runId: `${sessionId}:${record.revision + 1}`, ...(device ? { device: deviceHash(device) } : {}), clientAddress: origin.clientAddress ?? null };
    try {
      // A guard that fails rolls the save back; the submit runs once more from the same record,
      // now seeing what the guard protected used (a replayed TOTP code answers as a wrong code).
      for (let run = 1; ; run++) {
        let advanced: Advanced;
        const writes = new RunWrites(lease);
        try {
          advanced = await collectingRunWrites(writes, () =>
            advanceSession(compiled, { snapshot: record.snapshot }, event, this.settings.advanceTimeoutMs, this.settings.cpuBudgetMs),
          );
        } catch (error) {
          if (lease.taken !== null) await sessions.release(sessionId, lease.taken);
          throw error;
        }
        // The steps may have turned a refused lease into a failure of their own: it is a conflict.
        if (lease.lost) throw new EngineError('conflict', 'another submit to this session is being processed');
        let saved: boolean;
        try {
          saved = await sessions.save(
            sessionId,
            lease.taken ?? record.revision,
            {
              status: advanced.status,
              stepId: advanced.stepId,
              userId: advanced.context.user?.id ?? null,
              snapshot: advanced.snapshot,
              updatedAt: this.runtime.now().toISOString(),
            },
            advanced.journal,
            writes.addTo(await this.endRecords(record, advanced, () => this.runtime.store.timelines.list(sessionId))),
            // A run that wrote nothing takes the lease in its save.
            lease.taken === null ? this.runtime.now().toISOString() : undefined,
          );
        } catch (error) {
          if (error instanceof GuardFailed && run === 1) continue;
          if (lease.taken !== null) await sessions.release(sessionId, lease.taken);
          if (error instanceof GuardFailed) throw new EngineError('conflict', 'the submit raced another use of the same credential');
          throw error;
        }
        if (!saved) throw new EngineError('conflict', 'the session was taken over while this submit ran');
        this.observer?.timeline(record.journeyId, advanced.journal, record.journeyVersion);
        return { record: { ...record, status: advanced.status, stepId: advanced.stepId }, context: advanced.context };
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async begin(
    compiled: CompiledJourney,
    journeyVersion: number | null,
    body: { input?: unknown; ui?: { redirectUrl?: string } },
    how: { testRun: boolean; caller: Caller; user?: UserContext | null; device?: string | null; clientAddress?: string | null; inputFromBrowser?: boolean },
    beforeRun?: () => Promise<void>,
  ): Promise<StepResponse> {
    const { testRun, user = null } = how;
    const input = body.input ?? {};
    if (compiled.checkInput && !compiled.checkInput(input)) {
      throw new EngineError('validation_failed', 'the input does not match the journey input schema', {
        errors: compiled.checkInput.errors?.map((e) => ({ path: e.instancePath, message: e.message })),
      });
    }
    const redirectUrl = body.ui?.redirectUrl ?? null;
    if (redirectUrl !== null) this.checkRedirect(redirectUrl);

    await beforeRun?.();
    const now = this.runtime.now();
    const sessionId = randomUUID();
    const sessionToken = randomBytes(32).toString('base64url');
    const sessionInput: SessionInput = {
      sessionId,
      journeyId: compiled.document.id,
      journeyVersion,
      testRun,
      startedAt: now.toISOString(),
      input,
      ui: body.ui ? { redirectUrl } : null,
      trustedInput: how.caller !== 'anonymous' && !how.inputFromBrowser,
      ...(user ? { user } : {}),
      ...(how.device ? { device: deviceHash(how.device) } : {}),
      clientAddress: how.clientAddress ?? null,
    };
    // A new session: no lease to take, its guards are written at once.
    const writes = new RunWrites(null);
    const advanced = await collectingRunWrites(writes, () =>
      advanceSession(compiled, { input: sessionInput }, undefined, this.settings.advanceTimeoutMs, this.settings.cpuBudgetMs),
    );
    const record: SessionRecord = {
      id: sessionId,
      journeyId: compiled.document.id,
      journeyVersion,
      documentHash: compiled.hash,
      status: advanced.status,
      stepId: advanced.stepId,
      userId: advanced.context.user?.id ?? null,
      snapshot: advanced.snapshot,
      revision: 0,
      tokenHash: sha256(sessionToken),
      testRun,
      createdAt: now.toISOString(),
      updatedAt: this.runtime.now().toISOString(),
      expiresAt: new Date(now.getTime() + compiled.settings.sessionTtlSeconds * 1000).toISOString(),
      leaseUntil: null,
    };
    const counted = !testRun && journeyVersion !== null;
    const ending = await this.endRecords(record, advanced, async () => []);
    const records: ChangeRecords | undefined = counted ? { ...ending, started: { journeyId: record.journeyId, journeyVersion, startedAt: record.createdAt } } : ending;
    await this.runtime.store.sessions.create(record, advanced.journal, writes.addTo(records));
    this.observer?.sessionStarted(record.journeyId, journeyVersion);
    this.observer?.timeline(record.journeyId, advanced.journal, journeyVersion);
    return this.response(record, sessionToken, { context: advanced.context });
  }

  /**
   * What a session's final save writes with it (docs/observability.md): its `session.*` webhook
   * event and its funnel for the journey's analytics (read off the whole timeline: what earlier
   * runs stored, `earlier`, and this run's journal). Test runs raise no events and are not counted.
   */
  private async endRecords(record: SessionRecord, advanced: Advanced, earlier: () => Promise<TimelineEvent[]>): Promise<ChangeRecords | undefined> {
    if (advanced.status === 'waiting' || record.testRun) return undefined;
    const now = this.runtime.now();
    const userId = advanced.context.user?.id ?? null;
    const error = advanced.status === 'completed' ? null : advanced.context.endError;
    const events = [sessionEnded({ ...record, userId }, advanced.status, error, now)];
    if (record.journeyVersion === null) return { events };
    const timeline = [...(await earlier()), ...advanced.journal];
    const funnel = sessionFunnel({ ...record, journeyVersion: record.journeyVersion }, timeline, advanced.status, now);
    return { events, funnel };
  }

  private async authorised(sessionId: string, sessionToken: string): Promise<SessionRecord> {
    const record = await this.runtime.store.sessions.get(sessionId);
    // Same answer for an unknown session and a wrong token would hide existence, but the spec
    // distinguishes 404 and 401; the token is checked in constant time either way.
    if (!record) throw new EngineError('not_found', 'no such session');
    if (!secretsEqual(sha256(sessionToken), record.tokenHash)) throw new EngineError('unauthorized', 'wrong session token');
    return record;
  }

  private refuseExpired(record: SessionRecord): void {
    if (record.status === 'waiting' && this.runtime.now().getTime() > Date.parse(record.expiresAt)) {
      throw new EngineError('session_expired', 'the session has expired');
    }
  }

  private checkSubmission(context: SessionContext, body: { option: string; data?: unknown }): Submission {
    const option = context.asked?.options.find((o) => o.id === body.option);
    if (!option) {
      throw new EngineError('validation_failed', `unknown option "${body.option}"`, {
        options: context.asked?.options.map((o) => o.id) ?? [],
      });
    }
    if (!option.schema) {
      const empty = body.data === undefined || body.data === null || (isPlainObject(body.data) && Object.keys(body.data).length === 0);
      if (!empty) throw new EngineError('validation_failed', `option "${option.id}" takes no data`);
      return { option: option.id, data: {} };
    }
    const data = body.data ?? {};
    const validate = this.runtime.schemaValidator(option.schema as object);
    if (!validate(data)) {
      throw new EngineError('validation_failed', `the data does not match option "${option.id}"`, {
        errors: (validate.errors ?? []).map((e) => ({ path: e.instancePath, keyword: e.keyword, params: e.params, message: e.message })),
      });
    }
    return { option: option.id, data };
  }

  private checkRedirect(redirectUrl: string): void {
    let origin: string;
    try {
      origin = new URL(redirectUrl).origin;
    } catch {
      throw new EngineError('validation_failed', 'ui.redirectUrl is not an absolute URL');
    }
    if (!this.settings.redirectOrigins.includes(origin)) {
      throw new EngineError('validation_failed', `ui.redirectUrl origin ${origin} is not in REDIRECT_ORIGINS`);
    }
  }

  private async response(
    record: Pick<SessionRecord, 'id' | 'journeyId' | 'journeyVersion' | 'status' | 'stepId' | 'documentHash'>,
    sessionToken: string,
    snapshot: { context: SessionContext },
  ): Promise<StepResponse> {
    const context = snapshot.context;
    // The hosted runner shows the journey's texts in the user's language (issue #21); the compiled
    // journey is cached by hash, so this is a map lookup.
    const texts = context.ui ? (await this.runtime.load(record.documentHash)).document.texts : undefined;
    const waiting = record.status === 'waiting' && context.asked !== null;
    const asked = waiting ? context.asked! : null;
    const data = asked?.sealedData ? this.runtime.unsealStepData(asked.sealedData, record.id) : asked?.data;
    // Copied as plain objects: the API's option type is open (an index signature), ClientOption an interface.
    const step = asked ? { id: asked.shownId ?? asked.stepId, type: asked.type, name: asked.name, data: data!, options: asked.options.map((option) => ({ ...option })) } : null;
    const error: StepError | null = record.status === 'waiting' ? context.lastError : record.status === 'completed' ? null : context.endError;
    return {
      sessionId: record.id,
      sessionToken,
      journeyId: record.journeyId,
      journeyVersion: record.journeyVersion,
      status: record.status,
      step,
      error: error ? { code: error.code, message: error.message, ...countsOf(error) } : null,
      result: record.status === 'completed' ? context.result : null,
      url: context.ui
        ? `${this.settings.publicUrl}/run/${encodeURIComponent(record.journeyId)}?session=${record.id}#t=${sessionToken}`
        : null,
      ...(context.ui ? { ui: { redirectUrl: context.ui.redirectUrl, ...(texts ? { texts } : {}) } } : {}),
    };
  }
}

/** The device cookie as sessions and steps see it: hashed, so the cookie itself is never stored. */
export function deviceHash(cookie: string): string {
  return sha256(`device:${cookie}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Only two counts leave a step error's details (a wrong code's attempts left, a rate limit's wait),
 * so a client can say them in its own language: the rest may be the step's internals.
 */
function countsOf(error: StepError): { attemptsLeft?: number; retryAfter?: number } {
  const details = (typeof error.details === 'object' && error.details !== null ? error.details : {}) as { attemptsLeft?: unknown; retryAfter?: unknown };
  const count = (value: unknown) => (Number.isInteger(value) && (value as number) >= 0 ? (value as number) : undefined);
  const attemptsLeft = count(details.attemptsLeft);
  const retryAfter = count(details.retryAfter);
  return { ...(attemptsLeft !== undefined ? { attemptsLeft } : {}), ...(retryAfter !== undefined ? { retryAfter } : {}) };
}
