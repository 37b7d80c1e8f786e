/**
 * Every example of the README and of docs/client-and-cli.md runs, as written, against a real
 * server with the sample journeys published, so a doc that drifts fails `npm test`:
 *
 * - shell blocks run in bash (`set -euo pipefail`), with two stand-ins a reader's machine does
 *   not need: `npx` runs the repository's own bins (the package's `journey`, installed tools)
 *   instead of resolving them over the network, and `curl` adds --fail-with-body and records its
 *   answers, which are checked against the block's `# → {…}` comments (every `"key": value` pair
 *   written there, "…" elided ones aside, must be in the answer). `localhost:3000` becomes the
 *   test server's address;
 * - the client's TypeScript blocks are put together into one program (the app's own functions the
 *   examples name, `askTheUser` and `sendToYourBackend`, given by the test), run with tsx;
 * - JSON files the docs tell the reader to save are saved from the docs' blocks;
 * - every journey document in a JSON block of any doc validates without errors on the server.
 *
 * - the other docs' shell and JS examples too (OTHER_DOCS): http-api.md's curl calls, compared
 *   with the answers the doc prints after them or its `# →` comments, and observability.md's
 *   webhook check, run on a delivery signed as the engine signs them.
 *
 * A new sh/ts/js/json block in those two files, or sh/ts/js block in the other docs, must be run
 * here, be run as written by another suite that reads the doc (RUN_ELSEWHERE), or be listed in
 * NOT_RUN with a reason: the coverage test fails otherwise.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCustomSteps } from '../../engine/custom-steps.js';
import { publishSampleJourneys } from '../../engine/samples.js';
import { ROOT } from '../e2e/e2e-helpers.js';
import { runProcess, type ProcessRun } from '../helpers/cli-process.js';
import { ADMIN_KEY, APP_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import { blockWith, codeBlocks, type CodeBlock } from './markdown-blocks.js';
import { loadAdaptiveMfa } from '../authsignal/authsignal-helpers.js';

const README = 'README.md';
const CLIENT_DOC = 'docs/client-and-cli.md';
const HTTP_DOC = 'docs/http-api.md';
const CUSTOM_DOC = 'docs/custom-steps.md';
const OIDC_DOC = 'docs/oidc.md';
const AUTHSIGNAL_DOC = 'docs/authsignal.md';
const OBSERVABILITY_DOC = 'docs/observability.md';
/** The other docs whose sh, ts and js blocks the guard below holds to the same rule (json blocks: the journey validation test). */
const OTHER_DOCS = [HTTP_DOC, CUSTOM_DOC, OIDC_DOC, AUTHSIGNAL_DOC, OBSERVABILITY_DOC, 'docs/testing-journeys.md', 'docs/sub-journeys.md'];
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const SEPARATOR = '--- end of answer ---';

/** Blocks of README.md and client-and-cli.md that are not run, found by their content, and why. */
const NOT_RUN: Array<[file: string, marker: string, why: string]> = [
  [README, 'npm install', 'installs and starts the project this suite runs in (the start-up is test/http/startup-banner.test.ts)'],
  [README, 'export DATABASE_URL=postgres://journeys:secret@db.internal', 'names a database host of the reader; several processes on PostgreSQL are test/reliability and test/store'],
  [OIDC_DOC, 'PUBLIC_URL=http://localhost:3000 npm start', 'starts the project this suite runs in; the provider it turns on is test/oidc (startOidcServer), its banner test/http/startup-banner.test.ts'],
  [CUSTOM_DOC, "import { defineStep } from '../engine/sdk.js';", 'a skeleton: `configSchema: { … }` and `run(ctx) { … }` are elided (the README\'s acme.allow-list, run above, is the whole step)'],
  [CUSTOM_DOC, "output: { branches: ['found'], shape:", 'a fragment of a definition (one key), not a program'],
  [CUSTOM_DOC, "enrol:  [{ method: 'totp'", 'a fragment of a definition (one key), not a program'],
  [CUSTOM_DOC, 'CUSTOM_STEPS=./my-steps/allow-list.step.ts,./my-steps/crm.step.ts npm start', 'starts the project with two files of the reader (crm.step.ts is not shown); CUSTOM_STEPS loading is test/steps'],
  [AUTHSIGNAL_DOC, '// Server', 'a fragment (the two SDKs\' constructor options, no call); the SDKs against this server are test/authsignal'],
  [AUTHSIGNAL_DOC, "import { Authsignal } from '@authsignal/browser';", 'browser code of the reader\'s page (a bundler, a DOM, a TOTP app); the browser SDK in Chromium is test/authsignal'],
  [AUTHSIGNAL_DOC, '// Validate the challenge token', 'needs a token a user earned in a browser; validateChallenge is test/authsignal/node-sdk.test.ts'],
  [AUTHSIGNAL_DOC, 'action: "enroll" });', 'server and browser halves of one flow in one block (marked `// browser`, `// server`); enrolment through both SDKs is test/authsignal'],
  [AUTHSIGNAL_DOC, 'attributes: { phoneNumber }', 'a fragment continued by the next block in the reader\'s page; test/authsignal runs the SMS flow'],
  [AUTHSIGNAL_DOC, 'const challengeResponse = await authsignal.sms.challenge();', 'browser code (the SMS challenge in the reader\'s page); test/authsignal runs it in Chromium'],
  [AUTHSIGNAL_DOC, '// Sign-up, after your backend tracked', 'browser code needing a WebAuthn authenticator; passkeys through the browser SDK are test/authsignal'],
  [AUTHSIGNAL_DOC, "attributes: { custom: { amount: 50_", 'a fragment with the reader\'s `userId`; actions are test/authsignal'],
  [AUTHSIGNAL_DOC, 'authsignal.challenge({', 'a fragment with the reader\'s user and phone; server-side challenges are test/authsignal'],
  [AUTHSIGNAL_DOC, "import { Webhook } from '@authsignal/node';", 'a fragment (the reader\'s rawBody and headers); the webhooks are test/authsignal'],
];

/** Blocks run as written by another suite (it reads the doc itself), so not twice here. */
const RUN_ELSEWHERE: Array<[file: string, marker: string, suite: string]> = [
  [OIDC_DOC, 'curl -s -X POST localhost:3000/v1/admin/oidc/clients', 'test/oidc/docs.test.ts'],
  [OIDC_DOC, "import express from 'express';", 'test/oidc/docs.test.ts'],
];

const ran = new Set<string>();
const key = (block: CodeBlock) => `${block.file}:${block.line}`;
function use(file: string, marker: string, lang?: string): CodeBlock {
  const block = blockWith(file, marker, lang);
  ran.add(key(block));
  return block;
}

const PRELUDE = String.raw`
set -euo pipefail
npx() {
  if [ "$1" = "-p" ]; then shift 2; fi
  local bin="$1"; shift
  if [ "$bin" = journey ]; then node "$ROOT/cli/journey.js" "$@"; else "$ROOT/node_modules/.bin/$bin" "$@"; fi
}
curl() {
  local out
  out=$(command curl $CURL_FAIL "$@")
  printf '%s\n%s\n' "$out" "$SEPARATOR" >> "$CURL_LOG"
  printf '%s\n' "$out"
}
`;

/** The `"key": value` pairs of a `# → …` comment, "…" ones aside. */
function expectedPairs(comment: string): Array<[string, unknown]> {
  const pairs: Array<[string, unknown]> = [];
  for (const match of comment.matchAll(/"([\w$]+)":\s*("(?:[^"\\…]|\\.)*"|true|false|null|-?\d+(?:\.\d+)?)(?=\s*[,}\]])/g)) {
    pairs.push([match[1], JSON.parse(match[2])]);
  }
  return pairs;
}

/** True when `value` holds `key: expected` at any depth. */
function holds(value: unknown, k: string, expected: unknown): boolean {
  if (Array.isArray(value)) return value.some((item) => holds(item, k, expected));
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  if (k in record && JSON.stringify(record[k]) === JSON.stringify(expected)) return true;
  return Object.values(record).some((item) => holds(item, k, expected));
}

/** Each `# →` comment of a script, with the index of the curl call whose answer it describes. */
function arrowComments(script: string): Array<{ call: number; text: string }> {
  const comments: Array<{ call: number; text: string }> = [];
  let calls = 0;
  const lines = script.split('\n');
  lines.forEach((line, i) => {
    const code = line.replace(/#.*$/, '');
    calls += (code.match(/\bcurl\s/g) ?? []).length;
    const arrow = line.indexOf('# →');
    if (arrow < 0) return;
    let text = line.slice(arrow + 3);
    for (let j = i + 1; j < lines.length && /^#\s{3,}/.test(lines[j]); j++) text += lines[j].slice(1);
    comments.push({ call: calls - 1, text });
  });
  return comments;
}

describe('the docs examples, run as written', { timeout: 180_000 }, () => {
  let server: TestServer;
  let work: string;
  let dataDir: string;
  let address: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { RATE_LIMITS: 'off', APP_API_KEYS: APP_KEY } });
    await publishSampleJourneys(join(ROOT, 'journeys'), server.engine.admin, server.engine.store, pino({ level: 'silent' }));
    address = new URL(server.url).host;
    // The reader's working copy: the repository's journeys and cli beside the files the docs save.
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    work = mkdtempSync(join(ROOT, 'test-results', 'doc-examples-'));
    for (const name of ['journeys', 'cli', 'engine']) symlinkSync(join(ROOT, name), join(work, name));
    dataDir = join(work, 'data');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'admin-api-key'), `${ADMIN_KEY}\n`);
    // README, "Writing a journey": "Save it as age-gate.json".
    writeFileSync(join(work, 'age-gate.json'), use(README, '"id": "age-gate"', 'json').code);
  }, 60_000);
  const servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all([server, ...servers].map((s) => s?.close({ remove: true })));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function shell(script: string, env: Record<string, string> = {}): Promise<ProcessRun & { answers: unknown[] }> {
    const log = join(work, `curl-${Date.now()}-${Math.random().toString(36).slice(2)}.log`);
    writeFileSync(log, '');
    const body = PRELUDE + script.replaceAll('localhost:3000', address);
    const result = await runProcess('bash', ['-c', body], { cwd: work, env: { ROOT, CURL_LOG: log, SEPARATOR, DATA_DIR: dataDir, CURL_FAIL: '--fail-with-body', ...env } });
    const answers = readFileSync(log, 'utf8')
      .split(`${SEPARATOR}\n`)
      .slice(0, -1)
      .map((text) => {
        try {
          return JSON.parse(text);
        } catch {
          return text;
        }
      });
    return { ...result, answers };
  }

  function checkArrows(script: string, answers: unknown[]) {
    const comments = arrowComments(script);
    expect(comments.length).toBeGreaterThan(0);
    for (const { call, text } of comments) {
      const answer = answers[call];
      expect(answer, `the answer to curl call ${call + 1} (${text.trim()})`).toBeTypeOf('object');
      for (const [k, value] of expectedPairs(text)) {
        expect(holds(answer, k, value), `"${k}": ${JSON.stringify(value)} in answer ${call + 1}: ${JSON.stringify(answer).slice(0, 400)}`).toBe(true);
      }
    }
  }

  it('README: the five-minute tour with curl', async () => {
    const { code } = use(README, 'curl -s -X POST localhost:3000/v1/journeys/sign-up/start', 'sh');
    const result = await shell(code);
    expect(result.code, result.stderr).toBe(0);
    checkArrows(code, result.answers);
    expect(result.answers).toHaveLength(code.replace(/#.*$/gm, '').match(/\bcurl\s/g)!.length);
    // The timeline of the sign-in it ends with.
    expect(result.answers.at(-1)).toMatchObject({ session: { journeyId: 'login', status: 'completed' } });
  });

  it('README: writing a journey (saved as age-gate.json, then published with the admin API)', async () => {
    const { code } = use(README, '--data @age-gate.json', 'sh');
    const result = await shell(code);
    expect(result.code, result.stderr).toBe(0);
    checkArrows(code, result.answers);
  });

  it('README: the custom step loads and appears in the step catalogue', async () => {
    const { code } = use(README, "type: 'acme.allow-list'", 'ts');
    const path = /^\/\/ (\S+\.step\.ts)/.exec(code)![1];
    mkdirSync(join(work, 'my-steps'), { recursive: true });
    // The file sits in the reader's checkout; here the engine is a folder further away.
    writeFileSync(join(work, path), code.replace("'../engine/sdk.js'", JSON.stringify(join(ROOT, 'engine', 'sdk.js'))));
    const steps = await loadCustomSteps([join(work, path)]);
    const custom = await startTestServer({ steps });
    try {
      const catalogue = await custom.admin('GET', '/v1/admin/steps');
      expect(catalogue.body.map((s: { type: string }) => s.type)).toContain('acme.allow-list');
    } finally {
      await custom.close({ remove: true });
    }
  });

  it('client-and-cli: the typed client examples, as one program', async () => {
    const [imports, running, validating, etags, errors] = [
      use(CLIENT_DOC, "from './client/index.js'", 'ts'),
      use(CLIENT_DOC, "client.start('sign-up'", 'ts'),
      use(CLIENT_DOC, 'backend.validateToken(token', 'ts'),
      use(CLIENT_DOC, 'admin.getJourney(', 'ts'),
      use(CLIENT_DOC, 'showErrors(error.details)', 'ts'),
    ].map((b) => b.code);
    const program = `
${imports.replace("'./client/index.js'", JSON.stringify(join(ROOT, 'client', 'index.js')))}
const baseUrl = 'http://localhost:3000';
const USER = 'doc-reader';

// The app's own functions, which the examples name.
async function askTheUser(step: any, option: any): Promise<any> {
  if (step.id === 'details') return { username: USER, email: USER + '@example.com' };
  if (step.id === 'verifyEmail') {
    const [message] = await new JourneyClient({ baseUrl, apiKey: process.env.ADMIN_API_KEY }).listOutbox({ to: USER + '@example.com' });
    return { code: /\\d{6}/.exec(message.body)![0] };
  }
  if (step.id === 'password') return { password: 'correct horse battery staple' };
  throw new Error('no answer for ' + step.id + '/' + option.id);
}
async function sendToYourBackend(token: string) {
${validating}
}
function showErrors(details: unknown) {
  console.log('showErrors', JSON.stringify(details));
}

${running}
console.log('final status', response.status);

{
  // A wrong answer, for the error handling example.
  let response = await client.start('sign-up', {});
  const answer = { stepId: 'details', option: 'next', data: { username: 'x' } };
${errors}
}

${etags}
console.log('draft name', (await admin.getJourney('sign-up')).draft.name);
`.replaceAll('localhost:3000', address);
    const file = join(work, 'client-example.ts');
    writeFileSync(file, program);
    const result = await runProcess(process.execPath, [TSX, file], { cwd: work, env: { ADMIN_API_KEY: ADMIN_KEY, APP_API_KEY: APP_KEY } });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toContain('final status completed');
    // sendToYourBackend validated the token once: the user id, the amr it required, the claims.
    expect(result.stdout).toMatch(/\[ 'email' \]/);
    expect(result.stdout).toMatch(/showErrors \{"errors":\[/);
    // The ETag example renames the draft, then saves the draft it read (unconditionally, then with the current ETag).
    expect(result.stdout).toContain('draft name Sign up');
  });

  describe('client-and-cli: the journey command', () => {
    // A fresh install: the README publishes age-gate with the admin API, the CLI doc imports it
    // (the other way to the same end), and its output names the first revision and version.
    beforeAll(async () => {
      servers.push(server);
      server = await startTestServer({ env: { RATE_LIMITS: 'off', APP_API_KEYS: APP_KEY } });
      await publishSampleJourneys(join(ROOT, 'journeys'), server.engine.admin, server.engine.store, pino({ level: 'silent' }));
      address = new URL(server.url).host;
    });

    it('the OpenAPI document validates with the validator the doc names', async () => {
      const { code } = use(CLIENT_DOC, 'curl -s localhost:3000/openapi.json > openapi.json', 'sh');
      const result = await shell(code);
      expect(result.code, result.stderr + result.stdout).toBe(0);
    });

    it('validate prints what the doc shows for broken.json', async () => {
      writeFileSync(join(work, 'broken.json'), use(CLIENT_DOC, '"id": "broken"', 'json').code);
      const shown = use(CLIENT_DOC, '$ npx journey validate', '').code.split('\n');
      const result = await shell(`${shown[0].replace(/^\$ /, '')} || echo "exit $?"`);
      expect(result.stdout.trim().split('\n')).toEqual([...shown.slice(1), 'exit 1']);
    });

    it('every command block of the CLI section runs in order, and prints what its comments say', async () => {
      writeFileSync(join(work, 'client.json'), use(CLIENT_DOC, '"clientId": "my-app"', 'json').code);
      const blocks = [
        use(CLIENT_DOC, 'npx journey --help', 'sh'),
        use(CLIENT_DOC, 'export JOURNEY_SERVER=', 'sh'),
        use(CLIENT_DOC, 'npx journey test journeys --min-branch-coverage 100', 'sh'),
        use(CLIENT_DOC, 'npx journey import age-gate.json --publish', 'sh'),
        use(CLIENT_DOC, '| npx journey run age-gate', 'sh'),
        use(CLIENT_DOC, 'npx journey diff journeys/login.json', 'sh'),
        use(CLIENT_DOC, 'npx journey clients create client.json', 'sh'),
      ].map((b) => b.code);
      // One line is left out, because npm test already runs it as written:
      // test/journey-tests/shipped-tests.test.ts runs `journey test journeys --min-branch-coverage 100`
      // (about a minute of CPU); running it twice would buy nothing.
      const shipped = 'npx journey test journeys --min-branch-coverage 100';
      expect(readFileSync(join(ROOT, 'test', 'journey-tests', 'shipped-tests.test.ts'), 'utf8')).toContain("'test', 'journeys', '--min-branch-coverage', '100'");
      expect(blocks[2]).toContain(shipped);
      const script = blocks.join('\n').split('\n').filter((line) => !line.startsWith(shipped)).join('\n');
      const result = await shell(script);
      expect(result.code, result.stderr.slice(-2000) + result.stdout.slice(-2000)).toBe(0);
      // The import block's comments are its output.
      for (const line of blocks[3].split('\n').filter((l) => l.startsWith('# '))) expect(result.stdout).toContain(line.slice(2));
      // The run ends with the claims and a token; the clients commands answer the client as JSON.
      expect(result.stdout).toContain('"adult": true');
      expect(result.stdout).toContain('"clientId": "my-app"');
      expect(readdirSync(work)).toContain('coverage.json');
    });
  });

  describe('http-api: the curl examples', () => {
    // The answers the doc shows, ids, tokens and times aside (the doc shortens them).
    const shape = (answer: unknown): unknown =>
      JSON.parse(JSON.stringify(answer, (k, v) => (['sessionId', 'sessionToken', 'token', 'publishedAt'].includes(k) && typeof v === 'string' ? '…' : v)));
    const shownAfter = (block: CodeBlock): unknown => {
      const next = codeBlocks(block.file).find((b) => b.line > block.line)!;
      expect(next.lang, `the block after ${key(block)}`).toBe('json');
      return JSON.parse(next.code);
    };

    it('start, then submit, answer what the doc shows', async () => {
      const start = use(HTTP_DOC, 'curl -s -X POST localhost:3000/v1/journeys/sign-up/start', 'sh');
      const started = await shell(start.code);
      expect(started.code, started.stderr).toBe(0);
      expect(shape(started.answers[0])).toEqual(shape(shownAfter(start)));
      const { sessionId, sessionToken } = started.answers[0] as { sessionId: string; sessionToken: string };
      const submit = use(HTTP_DOC, 'curl -s -X POST localhost:3000/v1/sessions/$SID/submit', 'sh');
      const submitted = await shell(submit.code, { SID: sessionId, TOK: sessionToken });
      expect(submitted.code, submitted.stderr).toBe(0);
      expect(shape(submitted.answers[0])).toEqual(shape(shownAfter(submit)));
    });

    it('the refusals and the diff print what their comments say', async () => {
      // The reader's probe journey, saved once (revision 1), and a draft of sign-up whose title changed.
      const probe = { id: 'probe', name: 'Probe', start: 'done', steps: { done: { type: 'complete' } } };
      writeFileSync(join(work, 'probe.json'), JSON.stringify(probe));
      expect((await server.admin('PUT', '/v1/admin/journeys/probe', probe)).status).toBeLessThan(300);
      const signUp = (await server.admin('GET', '/v1/admin/journeys/sign-up')).body.draft;
      signUp.steps.details.config.title = 'Sign up';
      expect((await server.admin('PUT', '/v1/admin/journeys/sign-up', signUp)).status).toBeLessThan(300);
      for (const [marker, refused] of [
        ["-H 'authorization: Bearer <app key>'", true],
        ["-H 'If-Match: \"7\"' --data @probe.json", true],
        ['diff?from=1&to=draft', false],
      ] as const) {
        const { code } = use(HTTP_DOC, marker, 'sh');
        const result = await shell(code.replace('<app key>', APP_KEY), { KEY: ADMIN_KEY, ...(refused ? { CURL_FAIL: '' } : {}) });
        expect(result.code, result.stderr).toBe(0);
        checkArrows(code, result.answers);
      }
    });
  });

  it('authsignal: the TOTP section’s backend tracks a sign-in with @authsignal/node against the engine', async () => {
    const { code } = use(AUTHSIGNAL_DOC, "trackResponse.state === 'CHALLENGE_REQUIRED'", 'ts');
    const own = await startTestServer();
    servers.push(own);
    await own.publish(loadAdaptiveMfa());
    // The block is a request handler's body (it returns the answer): the test makes it one.
    const imports = code.split('\n').filter((line) => line.startsWith('import '));
    const body = code.split('\n').filter((line) => !line.startsWith('import ')).join('\n');
    const program = `${imports.join('\n')}
async function handler() {
${body}
}
console.log('answer', JSON.stringify(await handler()));
`.replace('https://auth.example.com', own.url);
    const file = join(work, 'authsignal-totp.ts');
    writeFileSync(file, program);
    const result = await runProcess(process.execPath, [TSX, file], { cwd: work, env: { AUTHSIGNAL_SECRET_KEY: APP_KEY } });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    // A fresh user with nothing risky: adaptive-mfa allows, so the handler answers success.
    expect(result.stdout).toContain('answer {"success":true}');
  });

  it('observability: the webhook check verifies a signed delivery and refuses a forged one', async () => {
    const { code } = use(OBSERVABILITY_DOC, "import { Webhook } from 'standardwebhooks';", 'js');
    const secret = `whsec_${Buffer.from('doc-example-secret-0123456789abcdef').toString('base64')}`;
    const program = `
${code}
console.log('verified', JSON.stringify(payload));
`;
    const file = join(work, 'verify-webhook.mjs');
    // The receiver's request: a body the engine signed, as it sends it (test/observe/webhook-receiver.ts receives the real ones).
    const { Webhook } = await import('standardwebhooks');
    const body = JSON.stringify({ type: 'session.completed', data: { journeyId: 'login' } });
    const id = 'msg_doc';
    const timestamp = new Date();
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, timestamp, body) };
    const prelude = `const rawBody = ${JSON.stringify(body)};\nconst request = { headers: JSON.parse(process.env.HEADERS) };\n`;
    writeFileSync(file, program.replace(code, code.replace(/^(import .*\n)/, `$1${prelude}`)));
    const good = await runProcess(process.execPath, [file], { cwd: ROOT, env: { WEBHOOK_SECRET: secret, HEADERS: JSON.stringify(headers) } });
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('verified {"type":"session.completed"');
    const forged = await runProcess(process.execPath, [file], { cwd: ROOT, env: { WEBHOOK_SECRET: secret, HEADERS: JSON.stringify({ ...headers, 'webhook-signature': 'v1,AAAA' }) } });
    expect(forged.code).not.toBe(0);
  });

  it('every journey document in a JSON block of the docs validates without errors', async () => {
    const files = [README, ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    let checked = 0;
    for (const file of files) {
      for (const block of codeBlocks(file).filter((b) => b.lang === 'json')) {
        let document: Record<string, unknown>;
        try {
          document = JSON.parse(block.code);
        } catch {
          continue; // a fragment ("…"): not a whole document
        }
        // Not journeys to run: a skeleton ("…" for what it leaves out), the CLI doc's deliberately
        // broken file, and journeys.md's semantic diff pair (drafts, checked by test/journey's diff suite).
        const skip = block.code.includes('…') || document.id === 'broken' || block.before.startsWith('<!-- diff-example');
        if (typeof document !== 'object' || !document || !('steps' in document) || !('start' in document) || skip) continue;
        const { $schema: _schema, ...journey } = document;
        const result = await server.admin('POST', '/v1/admin/validate', journey);
        const errors = (result.body.diagnostics ?? []).filter((d: { severity: string }) => d.severity === 'error');
        expect(errors, `${file}:${block.line}`).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  it('every sh, ts, js and json block of README.md and client-and-cli.md, and every sh, ts and js block of the other docs, is run here, run by the suite named, or listed as not run, with why', () => {
    const exempt = new Set(NOT_RUN.map(([file, marker]) => key(blockWith(file, marker))));
    for (const [file, marker, suite] of RUN_ELSEWHERE) {
      exempt.add(key(blockWith(file, marker)));
      expect(readFileSync(join(ROOT, suite), 'utf8'), `${suite} reads ${file}`).toContain(file);
    }
    const blocks = [
      ...[README, CLIENT_DOC].flatMap((file) => codeBlocks(file)).filter((b) => ['sh', 'ts', 'js', 'json'].includes(b.lang)),
      ...OTHER_DOCS.flatMap((file) => codeBlocks(file)).filter((b) => ['sh', 'bash', 'ts', 'js'].includes(b.lang)),
    ];
    const unrun = blocks.filter((b) => !ran.has(key(b)) && !exempt.has(key(b))).map((b) => `${key(b)} (${b.heading}): ${b.code.split('\n')[0]}`);
    expect(unrun).toEqual([]);
  });
});
