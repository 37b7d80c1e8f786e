/**
 * The `journey` CLI as a subprocess (node with tsx's loader, as the bin launcher runs it): offline
 * validation with file:line diagnostics and exit codes, import/publish/export against a real
 * server, and an interactive run fed on stdin.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJourneyCli, runProcess, type ProcessRun } from '../helpers/cli-process.js';
import { ADMIN_KEY, APP_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function runCli(args: string[], options: { stdin?: string; env?: Record<string, string>; command?: string[] } = {}): Promise<ProcessRun> {
  if (!options.command) return runJourneyCli(args, options);
  const [command, ...prefix] = options.command;
  return runProcess(command, [...prefix, ...args], options);
}

/** The 1-based line of the first line of `text` that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`${needle} not in the text`);
  return index + 1;
}

const goodJourney = {
  id: 'cli-good',
  name: 'CLI: good',
  start: 'ask',
  settings: { public: true },
  steps: {
    ask: {
      type: 'form',
      config: {
        outputVariable: 'answer',
        title: 'Tell me',
        options: [{ id: 'go', label: 'Go', schema: { type: 'object', properties: { name: { type: 'string' } } } }],
      },
      branches: { go: 'done' },
    },
    done: { type: 'complete', config: { claims: { name: '{% answer.name %}' } } },
  },
};

// Written by hand so the lines of the errors are known.
const badText = `{
  "id": "cli-bad",
  "name": "CLI: bad",
  "start": "nowhere",
  "steps": {
    "ask": {
      "type": "form",
      "config": { "outputVariable": "answer" },
      "branches": { "go": "done" }
    },
    "odd": { "type": "no.such.type" },
    "done": { "type": "complete", "config": { "claims": { "x": "{% (1 + %}" } } }
  }
}
`;

const warningText = JSON.stringify(
  { ...goodJourney, id: 'cli-warn', steps: { ...goodJourney.steps, orphan: { type: 'reject', config: { code: 'x', message: 'x' } } } },
  null,
  2,
);

/** ask (form: name, age, newsletter, colour) → hello (display) → done; cancel → no. */
const formJourney = {
  id: 'cli-form',
  name: 'CLI: a form',
  start: 'ask',
  settings: { public: true },
  steps: {
    ask: {
      type: 'form',
      name: 'About you',
      config: {
        outputVariable: 'me',
        title: 'About you',
        text: 'A few questions.',
        options: [
          {
            id: 'go',
            label: 'Continue',
            schema: {
              type: 'object',
              required: ['name', 'age'],
              additionalProperties: false,
              properties: {
                name: { type: 'string', title: 'Your name', minLength: 2 },
                age: { type: 'integer', minimum: 0 },
                newsletter: { type: 'boolean' },
                colour: { type: 'string', enum: ['red', 'green', 'blue'] },
                nickname: { type: 'string' },
              },
            },
          },
          { id: 'cancel', label: 'Cancel' },
        ],
      },
      branches: { go: 'hello', cancel: 'no' },
    },
    hello: { type: 'display', name: 'Greeting', config: { title: 'Hello', text: "{% 'Hi ' & me.name %}" }, branches: { next: 'done' } },
    done: {
      type: 'complete',
      config: { claims: { name: '{% me.name %}', age: '{% me.age %}', newsletter: '{% me.newsletter %}', colour: '{% me.colour %}' } },
    },
    no: { type: 'reject', config: { code: 'cancelled', message: 'Cancelled by the user' } },
  },
};

describe('journey CLI', () => {
  let dir: string;
  let server: TestServer;
  let serverArgs: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'journey-cli-'));
    writeFileSync(join(dir, 'good.json'), JSON.stringify(goodJourney, null, 2));
    writeFileSync(join(dir, 'bad.json'), badText);
    writeFileSync(join(dir, 'warn.json'), warningText);
    writeFileSync(join(dir, 'syntax.json'), '{\n  "id": "x",\n  "start": "a",,\n  "steps": {}\n}\n');
    writeFileSync(join(dir, 'form.json'), JSON.stringify(formJourney, null, 2));
    server = await startTestServer();
    serverArgs = ['--server', server.url, '--key', ADMIN_KEY];
  });
  afterAll(async () => {
    await server.close({ remove: true });
    rmSync(dir, { recursive: true, force: true });
  });

  describe('validate', () => {
    it('accepts good files (the sample journeys too) and exits 0', async () => {
      const result = await runCli(['validate', join(dir, 'good.json'), 'journeys/sign-up.json']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`${join(dir, 'good.json')}: valid (0 errors, 0 warnings)`);
      expect(result.stdout).toContain('journeys/sign-up.json: valid');
    });

    it('prints each error at its file:line:column and exits 1', async () => {
      const file = join(dir, 'bad.json');
      const result = await runCli(['validate', file]);
      expect(result.code).toBe(1);
      const out = result.stdout;
      expect(out).toContain(`${file}:${lineOf(badText, '"start"')}:3: error missing_start:`);
      expect(out).toContain(`${file}:${lineOf(badText, '"no.such.type"')}:`);
      expect(out).toMatch(new RegExp(`${file}:${lineOf(badText, '"no.such.type"')}:\\d+: error unknown_step_type: .*\\(/steps/odd/type\\)`));
      // A missing property is reported where its parent is.
      expect(out).toMatch(new RegExp(`${file}:${lineOf(badText, '"outputVariable"')}:\\d+: error invalid_config: .*options`));
      expect(out).toMatch(new RegExp(`${file}:${lineOf(badText, '{% (1 +')}:\\d+: error expression_syntax:`));
      expect(out).toContain(`${file}: invalid`);
    });

    it('reports malformed JSON at its line, keeps going with the next file, and exits 1', async () => {
      const result = await runCli(['validate', join(dir, 'syntax.json'), join(dir, 'good.json')]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`${join(dir, 'syntax.json')}:3:16: error invalid_json:`);
      expect(result.stdout).toContain(`${join(dir, 'good.json')}: valid`);
      const missing = await runCli(['validate', join(dir, 'nope.json')]);
      expect(missing.code).toBe(1);
      expect(missing.stdout).toContain('nope.json: error:');
    });

    it('prints warnings but exits 0 when there are no errors', async () => {
      const result = await runCli(['validate', join(dir, 'warn.json')]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`${join(dir, 'warn.json')}:${lineOf(warningText, '"orphan"')}:5: warning unreachable_step:`);
      expect(result.stdout).toContain('valid (0 errors, 1 warning)');
    });

    it('refuses wrong usage with exit 2', async () => {
      expect((await runCli(['validate'])).code).toBe(2);
      expect((await runCli(['frobnicate'])).code).toBe(2);
      expect((await runCli(['validate', '--nope', 'x.json'])).code).toBe(2);
      const noServer = await runCli(['publish', 'x']);
      expect(noServer.code).toBe(2);
      expect(noServer.stderr).toContain('JOURNEY_SERVER');
    });
  });

  describe('import, publish, export', () => {
    it('imports a draft, publishes it, and exports the draft and the version', async () => {
      const file = join(dir, 'form.json');
      const imported = await runCli(['import', file, ...serverArgs]);
      expect(imported.stderr).toBe('');
      expect(imported.code).toBe(0);
      expect(imported.stdout).toContain('imported cli-form');
      const draft = await server.admin('GET', '/v1/admin/journeys/cli-form');
      expect(draft.status).toBe(200);
      expect(draft.body.draft).toEqual(formJourney);
      expect(draft.body.versions).toEqual([]);

      const published = await runCli(['publish', 'cli-form', ...serverArgs]);
      expect(published.code).toBe(0);
      expect(published.stdout).toMatch(/published cli-form version 1 at /);
      expect((await server.admin('GET', '/v1/admin/journeys')).body.find((j: { id: string }) => j.id === 'cli-form').latestVersion).toBe(1);

      const exported = await runCli(['export', 'cli-form', ...serverArgs]);
      expect(exported.code).toBe(0);
      expect(JSON.parse(exported.stdout)).toEqual(formJourney);

      const out = join(dir, 'exported.json');
      const toFile = await runCli(['export', 'cli-form', '--version', '1', '--out', out, ...serverArgs]);
      expect(toFile.code).toBe(0);
      expect(toFile.stdout).toBe('');
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(formJourney);
    });

    it('takes the server and key from JOURNEY_SERVER and JOURNEY_API_KEY; --publish publishes', async () => {
      const env = { JOURNEY_SERVER: server.url, JOURNEY_API_KEY: ADMIN_KEY };
      const result = await runCli(['import', join(dir, 'good.json'), '--publish'], { env });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('published cli-good version 1');
      const started = await server.request('POST', '/v1/journeys/cli-good/start', { body: {} });
      expect(started.body.status).toBe('waiting');
    });

    it('imports a draft with errors (the server saves it), prints its diagnostics at file:line, and exits 1', async () => {
      const file = join(dir, 'bad.json');
      const result = await runCli(['import', file, ...serverArgs]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`${file}:${lineOf(badText, '"start"')}:3: error missing_start:`);
      expect(result.stdout).toContain('draft with errors');
      expect((await server.admin('GET', '/v1/admin/journeys/cli-bad')).body.draft.start).toBe('nowhere');

      const publish = await runCli(['publish', 'cli-bad', ...serverArgs]);
      expect(publish.code).toBe(1);
      expect(publish.stderr).toContain('422 validation_failed');
      expect(publish.stderr).toContain('error missing_start');
    });

    it('reports refusals of the server with their status and code, exit 1', async () => {
      const wrongKey = await runCli(['export', 'cli-form', '--server', server.url, '--key', 'wrong']);
      expect(wrongKey.code).toBe(1);
      expect(wrongKey.stderr).toContain('401 unauthorized');
      const appKey = await runCli(['publish', 'cli-form', '--server', server.url, '--key', APP_KEY]);
      expect(appKey.code).toBe(1);
      expect(appKey.stderr).toContain('403 forbidden');
      const missing = await runCli(['export', 'no-such-journey', ...serverArgs]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('404 not_found');
    });
  });

  describe('run', () => {
    beforeAll(async () => {
      await server.publish({ ...formJourney, id: 'cli-run' });
    });

    it('runs a form journey to completion with answers piped on stdin, asking again after bad answers', async () => {
      const answers = [
        'maybe', // not an option
        '1', // Continue
        'x', // name: too short, refused by the server (422) → the step is asked again
        '3', // age
        '', // newsletter: optional, skipped
        '', // colour: optional, skipped
        '', // nickname
        'go', // the option again, by id
        'alice',
        'abc', // not an integer → asked again
        '42',
        'yes',
        '2', // green
        '',
      ];
      const result = await runCli(['run', 'cli-run', '--server', server.url], { stdin: answers.join('\n') + '\n' });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const out = result.stdout;
      expect(out).toContain('── About you (form) ──');
      expect(out).toContain('A few questions.');
      expect(out).toContain('1) Continue [go]');
      expect(out).toContain('choose a number from 1 to 2');
      expect(out).toContain('Your name (name) [string; required]: ');
      expect(out).toContain('colour [1="red", 2="green", 3="blue"; optional]: ');
      expect(out).toContain('✘ refused: the data does not match option "go"');
      expect(out).toContain('/name must NOT have fewer than 2 characters');
      expect(out).toContain('not an integer');
      expect(out).toContain('── Greeting (display) ──');
      expect(out).toContain('Hi alice');
      expect(out).toContain('✔ completed');

      const claims = JSON.parse(/claims: (\{[\s\S]*?\n\})/.exec(out)![1]);
      expect(claims).toEqual({ name: 'alice', age: 42, newsletter: true, colour: 'green' });
      const token = /token: (\S+)/.exec(out)![1];
      const validated = await server.request('POST', '/v1/tokens/validate', { body: { token }, token: ADMIN_KEY });
      expect(validated.body).toMatchObject({ valid: true, journeyId: 'cli-run', claims });
    });

    it('exits 1 when the journey is rejected', async () => {
      const result = await runCli(['run', 'cli-run', '--server', server.url], { stdin: '2\n' });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('✘ rejected: cancelled: Cancelled by the user');
    });

    it('exits 1 when stdin ends before the journey does, leaving the session waiting', async () => {
      const result = await runCli(['run', 'cli-run', '--server', server.url], { stdin: '1\nbob\n' });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/input ended before the journey did \(session [0-9a-f-]+ is still waiting\)/);
    });

    it('test-runs the draft with --draft and the admin key from the environment', async () => {
      const env = { JOURNEY_SERVER: server.url, JOURNEY_API_KEY: ADMIN_KEY };
      const result = await runCli(['run', 'cli-form', '--draft'], { env, stdin: '1\nzoe\n7\nno\nblue\n\n' });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('(cli-form vdraft)');
      expect(JSON.parse(/claims: (\{[\s\S]*?\n\})/.exec(result.stdout)![1])).toEqual({ name: 'zoe', age: 7, newsletter: false, colour: 'blue' });
    });
  });

  describe('the bin', () => {
    it('runs through the package.json bin launcher, and as `npx journey`', async () => {
      const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
      expect(pkg.bin).toEqual({ journey: 'cli/journey.js' });
      const launched = await runCli(['validate', join(dir, 'bad.json')], { command: [process.execPath, 'cli/journey.js'] });
      expect(launched.code).toBe(1);
      expect(launched.stdout).toContain(`${join(dir, 'bad.json')}:${lineOf(badText, '"start"')}:3: error missing_start:`);
      const npx = await runCli(['--help'], { command: ['npx', '--no-install', 'journey'] });
      expect(npx.code).toBe(0);
      expect(npx.stdout).toContain('journey validate <file…>');
    });
  });
});
