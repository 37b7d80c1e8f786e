/**
 * Runs one journey test file: each case on a fresh engine in this process (its own in-memory
 * store, clock and fakes), waiting at the steps the case names, giving its answers, then checking
 * how it ended. Every failure names the JSON pointer of the case, step or expectation it is
 * about, so the command line can show the file's line. The timelines feed the coverage.
 */
import { isDeepStrictEqual } from 'node:util';
import { Ajv, type ErrorObject } from 'ajv';
import type { JsonObject } from '../engine/json.js';
import type { StepDefinition } from '../engine/steps/step-types.js';
import type { StepResponse } from '../engine/runtime/session-service.js';
import type { TimelineEvent } from '../engine/store/store.js';
import { journeyTestFileSchema, type JourneyTestCase, type JourneyTestFile } from './test-file-schema.js';
import { coverableOf } from './coverage.js';
import { statedCalls } from '../engine/runtime/calls/check-calls.js';
import { resolveAnswer, type CaseFakes } from './fake-answers.js';
import { createTestEngine, seedUsers, type TestEngine } from './test-engine.js';

export interface TestFailure {
  /** JSON pointer into the test file: the case, step or expectation the failure is about. */
  pointer: string;
  message: string;
}

export interface CaseResult {
  name: string;
  failures: TestFailure[];
  /** Every step entered, in order. */
  path: string[];
  /** `stepId.branch` for every branch taken. */
  branches: string[];
}

export interface FileResult {
  /** A file that could not be run at all (bad JSON, not the format, the journey has errors). */
  failures: TestFailure[];
  cases: CaseResult[];
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validateFile = ajv.compile(journeyTestFileSchema);

/** Checks the file against the format; failures point at the offending value. */
export function checkTestFile(document: unknown): { file: JourneyTestFile | null; failures: TestFailure[] } {
  if (validateFile(document)) return { file: document as unknown as JourneyTestFile, failures: [] };
  return { file: null, failures: formatErrors(validateFile.errors ?? []) };
}

function formatErrors(errors: ErrorObject[]): TestFailure[] {
  // oneOf / anyOf explain each alternative; the first concrete error of a value says enough.
  const seen = new Set<string>();
  const failures: TestFailure[] = [];
  for (const error of errors) {
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf') continue;
    const extra = error.keyword === 'additionalProperties' ? `: "${(error.params as { additionalProperty: string }).additionalProperty}"` : '';
    const key = error.instancePath;
    if (seen.has(key)) continue;
    seen.add(key);
    failures.push({ pointer: error.instancePath, message: `${error.message ?? 'is not valid'}${extra}` });
  }
  return failures;
}

/** Finds a journey a call names (`journey.call`), by id: the CLI looks beside the journey's file. */
export type JourneyLoader = (journeyId: string) => Promise<JsonObject | null>;

export async function runTestFile(file: JourneyTestFile, journey: JsonObject, steps: Array<StepDefinition<any>>, loadJourney?: JourneyLoader): Promise<FileResult> {
  const cases: CaseResult[] = [];
  const { branches } = coverableOf(journey);
  const unknown = (file.unreachable ?? []).map(({ branch }, at) => ({ branch, at })).filter(({ branch }) => !branches.includes(branch));
  if (unknown.length) return { failures: unknown.map(({ branch, at }) => ({ pointer: `/unreachable/${at}/branch`, message: `the journey has no branch ${branch}` })), cases };
  // The called journeys are read once; each case publishes them on its own engine.
  let callees: JsonObject[] | string | undefined;
  for (const [index, testCase] of file.cases.entries()) {
    const test = await createTestEngine(steps);
    try {
      callees ??= await calleesOf(journey, loadJourney);
      const problem = typeof callees === 'string' ? callees : await publishCallees(test, callees);
      if (problem) return { failures: [{ pointer: '', message: problem }], cases };
      const saved = await test.engine.admin.save(String(journey.id), journey);
      if (!saved.valid) {
        const errors = saved.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.path ?? ''}: ${d.message}`);
        return { failures: [{ pointer: '', message: `the journey has errors: ${errors.join('; ')}` }], cases };
      }
      await test.engine.admin.publish(String(journey.id));
      const result = await runCase(test, String(journey.id), testCase, `/cases/${index}`);
      for (const [at, { branch }] of (file.unreachable ?? []).entries()) {
        if (result.branches.includes(branch)) result.failures.push({ pointer: `/unreachable/${at}`, message: `the branch ${branch}, declared unreachable, was taken` });
      }
      cases.push(result);
    } finally {
      await test.close();
    }
  }
  return { failures: [], cases };
}

/**
 * The journeys this one calls (and what they call), callees first, so a case runs its
 * sub-journeys as the server would (#20); or what went wrong finding them.
 */
async function calleesOf(journey: JsonObject, load: JourneyLoader | undefined): Promise<JsonObject[] | string> {
  const order: JsonObject[] = [];
  const seen = new Set([String(journey.id)]);
  const visit = async (document: JsonObject): Promise<string | null> => {
    for (const call of statedCalls(document as never)) {
      if (seen.has(call.journeyId)) continue;
      seen.add(call.journeyId);
      const callee = load ? await load(call.journeyId) : null;
      if (!callee) return `journey "${String(document.id)}" calls "${call.journeyId}", which is not beside it (${call.journeyId}.json)`;
      const problem = await visit(callee);
      if (problem) return problem;
      order.push(callee);
    }
    return null;
  };
  return (await visit(journey)) ?? order;
}

/** Publishes the called journeys on a case's engine. Answers what went wrong, if anything. */
async function publishCallees(test: TestEngine, order: JsonObject[]): Promise<string | null> {
  for (const callee of order) {
    const saved = await test.engine.admin.save(String(callee.id), callee);
    if (!saved.valid) return `the called journey "${String(callee.id)}" has errors`;
    await test.engine.admin.publish(String(callee.id));
  }
  return null;
}

async function runCase(test: TestEngine, journeyId: string, testCase: JourneyTestCase, at: string): Promise<CaseResult> {
  const failures: TestFailure[] = [];
  const fakes: CaseFakes = { test, totp: new Map(), passkeys: new Map() };
  await seedUsers(test, testCase.users ?? [], fakes);
  test.http.answerWith(testCase.http ?? []);

  let response: StepResponse | null = null;
  try {
    const user = testCase.user === undefined ? null : await test.engine.store.users.findByUsername(testCase.user);
    if (testCase.user !== undefined && !user) {
      failures.push({ pointer: `${at}/user`, message: `no user "${testCase.user}" among the case's users` });
      return { name: testCase.name, failures, path: [], branches: [] };
    }
    const userContext = user ? { ...user.attributes, id: user.id, username: user.username } : null;
    response = await test.engine.sessions.start(journeyId, { input: testCase.input ?? {} }, 'app', { user: userContext });
    for (const [index, step] of testCase.steps.entries()) {
      const pointer = `${at}/steps/${index}`;
      if (response.status !== 'waiting' || response.step?.id !== step.step) {
        failures.push({ pointer, message: `expected to wait at "${step.step}", but the session ${describe(response)}` });
        break;
      }
      if (step.error !== undefined && response.error?.code !== step.error) {
        failures.push({ pointer: `${pointer}/error`, message: `expected error "${step.error}" at "${step.step}", got ${response.error ? `"${response.error.code}"` : 'none'}` });
      }
      fakes.lastStep = response.step;
      if (step.wait) test.clock.advance(step.wait);
      if (step.openLink !== undefined) {
        const opened = await openLink(test, step.openLink);
        if (opened) {
          failures.push({ pointer: `${pointer}/openLink`, message: opened });
          break;
        }
      }
      const data: Record<string, unknown> = {};
      let unresolved = false;
      for (const [key, value] of Object.entries(step.data ?? {})) {
        try {
          data[key] = await resolveAnswer(value, fakes);
        } catch (error) {
          failures.push({ pointer: `${pointer}/data/${key}`, message: (error as Error).message });
          unresolved = true;
        }
      }
      if (unresolved) break;
      test.faults.failNextStep = step.stepError ?? false;
      try {
        response = await test.engine.sessions.submit(response.sessionId, response.sessionToken, { stepId: step.step, option: step.option, data }, (b) => b as never);
      } catch (error) {
        const code = (error as { code?: string }).code;
        failures.push({ pointer, message: `the answer was refused${code ? ` (${code})` : ''}: ${(error as Error).message}` });
        break;
      }
      fakes.lastStep = response.step ?? undefined;
    }
    if (failures.length === 0) checkEnd(testCase, response, `${at}/expect`, failures);
  } catch (error) {
    failures.push({ pointer: at, message: `the engine failed: ${(error as Error).message}` });
  }

  const timeline = response ? await test.engine.store.timelines.list(response.sessionId) : [];
  const path = pathOf(timeline);
  const branches = timeline.filter((e) => e.event === 'branch' && e.stepId && e.branch).map((e) => `${e.stepId}.${e.branch}`);
  const expectedPath = testCase.expect.path;
  if (failures.length === 0 && expectedPath && !isDeepStrictEqual(path, expectedPath)) {
    failures.push({ pointer: `${at}/expect/path`, message: `expected the path ${expectedPath.join(' → ')}, took ${path.join(' → ')}` });
  }
  return { name: testCase.name, failures, path, branches };
}

function checkEnd(testCase: JourneyTestCase, response: StepResponse, at: string, failures: TestFailure[]): void {
  const expect = testCase.expect;
  if (response.status !== expect.status) {
    failures.push({ pointer: `${at}/status`, message: `expected the session ${expect.status}, but it ${describe(response)}` });
    return;
  }
  if (expect.step !== undefined && response.step?.id !== expect.step) {
    failures.push({ pointer: `${at}/step`, message: `expected to wait at "${expect.step}", waits at "${response.step?.id}"` });
  }
  if (expect.error !== undefined && response.error?.code !== expect.error) {
    failures.push({ pointer: `${at}/error`, message: `expected error "${expect.error}", got ${response.error ? `"${response.error.code}"` : 'none'}` });
  }
  for (const [claim, value] of Object.entries(expect.claims ?? {})) {
    const actual = response.result?.claims[claim];
    if (!isDeepStrictEqual(actual, value)) {
      failures.push({ pointer: `${at}/claims/${claim}`, message: `expected claim ${claim} = ${JSON.stringify(value)}, got ${actual === undefined ? 'no such claim' : JSON.stringify(actual)}` });
    }
  }
}

/** Opens the link in the latest email to `to` as its recipient would; answers what went wrong, if anything. */
async function openLink(test: TestEngine, to: string): Promise<string | null> {
  const [latest] = await test.engine.store.outbox.list({ to, limit: 1 });
  const token = latest?.body.match(/\/v1\/links\/([A-Za-z0-9_-]+)/)?.[1];
  if (!token) return latest ? `the latest email to ${to} holds no link` : `no email was sent to ${to}`;
  const link = await test.engine.links.find(token);
  if (!link || !(await test.engine.links.consume(link))) return `the link sent to ${to} cannot be used`;
  return null;
}

function describe(response: StepResponse): string {
  if (response.status === 'waiting') return `waits at "${response.step?.id}"${response.error ? ` (error ${response.error.code}: ${response.error.message})` : ''}`;
  return `${response.status}${response.error ? ` with ${response.error.code}: ${response.error.message}` : ''}`;
}

function pathOf(timeline: TimelineEvent[]): string[] {
  return timeline.filter((e) => e.event === 'entered' && e.stepId).map((e) => e.stepId!);
}
