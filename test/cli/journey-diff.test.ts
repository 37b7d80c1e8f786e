/**
 * The semantic diff over HTTP (GET /v1/admin/journeys/{id}/diff) and through `journey diff`: the
 * API, the CLI against the server, and the CLI on files answer the same changes for the same pair;
 * bad queries and unknown versions are refused with their documented codes, never a 500.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { semanticDiff } from '../../engine/journey/semantic-diff.js';
import { ROUTES } from '../../engine/http/contract/routes.js';
import { runJourneyCli as runCli } from '../helpers/cli-process.js';
import { ADMIN_KEY, APP_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';

const form = (title: string, branches: Record<string, string>) => ({
  type: 'form',
  config: {
    outputVariable: 'answer',
    title,
    options: [
      { id: 'go', label: 'Go', schema: { type: 'object', properties: { name: { type: 'string' } } } },
      { id: 'stop', label: 'Stop' },
    ],
  },
  branches,
});

const v1 = {
  id: 'diff-demo',
  name: 'Diff demo',
  start: 'ask',
  settings: { public: true },
  steps: {
    ask: form('Tell me', { go: 'done', stop: 'done' }),
    done: { type: 'complete', config: { claims: { name: '{% answer.name %}' } } },
  },
  layout: { ask: { x: 0, y: 0 }, done: { x: 200, y: 0 } },
};

// Renames done → finish (one change), retitles the form, adds a reject step and rewires `stop` to
// it, makes the journey private, and moves boxes (not a change).
const v2 = {
  id: 'diff-demo',
  name: 'Diff demo',
  start: 'ask',
  settings: { public: false },
  steps: {
    ask: form('Who are you?', { go: 'finish', stop: 'cancelled' }),
    finish: { type: 'complete', config: { claims: { name: '{% answer.name %}' } } },
    cancelled: { type: 'reject', config: { code: 'cancelled', message: 'Cancelled' } },
  },
  layout: { ask: { x: 10, y: 10 }, finish: { x: 300, y: 0 }, cancelled: { x: 300, y: 200 } },
};

const draft = { ...v2, steps: { ...v2.steps, finish: { type: 'complete', config: { claims: { name: '{% answer.name %}', source: 'diff' } } } } };

describe('journey diff: the API and the CLI', () => {
  let dir: string;
  let server: TestServer;
  let serverArgs: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'journey-diff-'));
    for (const [name, doc] of Object.entries({ v1, v2, draft })) writeFileSync(join(dir, `${name}.json`), JSON.stringify(doc, null, 2));
    server = await startTestServer();
    serverArgs = ['--server', server.url, '--key', ADMIN_KEY];
    expect(await server.publish(v1)).toBe(1);
    expect(await server.publish(v2)).toBe(2);
    expect((await server.admin('PUT', '/v1/admin/journeys/diff-demo', draft)).status).toBe(200);
  });
  afterAll(async () => {
    await server.close({ remove: true });
    rmSync(dir, { recursive: true, force: true });
  });

  const apiDiff = (query: string) => server.admin('GET', `/v1/admin/journeys/diff-demo/diff?${query}`);

  it('answers the changes between two versions', async () => {
    const res = await apiDiff('from=1&to=2');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      changes: [
        { kind: 'settings_changed', path: '/settings/public', from: true, to: false },
        { kind: 'config_changed', stepId: 'ask', path: '/steps/ask/config/title', from: 'Tell me', to: 'Who are you?' },
        { kind: 'branch_rewired', stepId: 'ask', path: '/steps/ask/branches/stop', from: 'done', to: 'cancelled' },
        { kind: 'step_added', stepId: 'cancelled', path: '/steps/cancelled' },
        { kind: 'step_renamed', stepId: 'finish', path: '/steps/finish', from: 'done', to: 'finish' },
      ],
    });
  });

  it('compares with the draft, either way round, and a version with itself is no change', async () => {
    const toDraft = await apiDiff('from=2&to=draft');
    expect(toDraft.status).toBe(200);
    expect(toDraft.body.changes).toEqual([{ kind: 'config_changed', stepId: 'finish', path: '/steps/finish/config/claims/source', to: 'diff' }]);
    expect((await apiDiff('from=draft&to=2')).body.changes).toEqual([
      { kind: 'config_changed', stepId: 'finish', path: '/steps/finish/config/claims/source', from: 'diff' },
    ]);
    expect((await apiDiff('from=2&to=2')).body).toEqual({ changes: [] });
    expect((await apiDiff('from=1&to=draft')).body).toEqual(semanticDiff(v1, draft));
  });

  it('the CLI agrees with the API: against the server, on files, and mixed', async () => {
    const api = async (from: string, to: string) => (await apiDiff(`from=${from}&to=${to}`)).body;
    const file = (name: string) => join(dir, `${name}.json`);
    // Each CLI run is a process (seconds on a busy machine): the pairs run side by side.
    const cases: Array<[string, string, string[]]> = [
      ['1', '2', ['diff-demo@1', 'diff-demo@2', ...serverArgs]],
      ['1', '2', [file('v1'), file('v2')]],
      ['2', 'draft', ['diff-demo@2', 'diff-demo@draft', ...serverArgs]],
      ['draft', '1', [file('draft'), 'diff-demo@1', ...serverArgs]],
    ];
    const results = await Promise.all(cases.map(([, , args]) => runCli(['diff', ...args, '--json'])));
    for (const [i, [from, to]] of cases.entries()) {
      const expected = await api(from, to);
      expect(expected.changes.length).toBeGreaterThan(0);
      expect(results[i].stderr).toBe('');
      expect(results[i].code).toBe(0);
      expect(JSON.parse(results[i].stdout)).toEqual(expected);
    }
  }, 90_000);

  it("docs/http-api.md's example: the sign-up sample's form retitled in the draft", async () => {
    const signUp = JSON.parse(readFileSync(new URL('../../journeys/sign-up.json', import.meta.url), 'utf8'));
    await server.publish(signUp);
    const retitled = structuredClone(signUp);
    retitled.steps.details.config.title = 'Sign up';
    expect((await server.admin('PUT', '/v1/admin/journeys/sign-up', retitled)).status).toBe(200);
    const doc = readFileSync(new URL('../../docs/http-api.md', import.meta.url), 'utf8');
    const shown = /diff\?from=1&to=draft"[^\n]*\n# (?:→ )?(\{.*\})/.exec(doc)![1];
    expect((await server.admin('GET', '/v1/admin/journeys/sign-up/diff?from=1&to=draft')).body).toEqual(JSON.parse(shown));
  });

  it('the CLI prints one change a line, then a count', async () => {
    const result = await runCli(['diff', join(dir, 'v1.json'), join(dir, 'v2.json')]);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      'settings_changed /settings/public: true -> false',
      'config_changed /steps/ask/config/title: "Tell me" -> "Who are you?"',
      'branch_rewired /steps/ask/branches/stop: "done" -> "cancelled"',
      'step_added /steps/cancelled',
      'step_renamed /steps/finish: "done" -> "finish"',
      '5 changes',
      '',
    ]);
    const same = await runCli(['diff', join(dir, 'v1.json'), join(dir, 'v1.json')]);
    expect(same.stdout).toBe('no changes\n');
  }, 60_000);

  it('refuses bad queries (400), unknown versions and journeys (404) and callers (401/403), with documented codes', async () => {
    const documented = ROUTES.getJourneyDiff.errors as readonly string[];
    const cases: Array<[string, number, string, string?]> = [
      ['/v1/admin/journeys/diff-demo/diff?from=0&to=1', 400, 'invalid_request'],
      ['/v1/admin/journeys/diff-demo/diff?from=one&to=1', 400, 'invalid_request'],
      ['/v1/admin/journeys/diff-demo/diff?from=1', 400, 'invalid_request'],
      ['/v1/admin/journeys/diff-demo/diff', 400, 'invalid_request'],
      ['/v1/admin/journeys/diff-demo/diff?from=1&to=2&extra=1', 400, 'invalid_request'],
      ['/v1/admin/journeys/diff-demo/diff?from=1&from=2&to=2', 400, 'invalid_request'],
      ['/v1/admin/journeys/diff-demo/diff?from=1.0&to=2', 400, 'invalid_request'],
      ['/v1/admin/journeys/diff-demo/diff?from=1&to=9', 404, 'not_found'],
      ['/v1/admin/journeys/diff-demo/diff?from=99999999&to=draft', 404, 'not_found'],
      ['/v1/admin/journeys/no-such/diff?from=draft&to=draft', 404, 'not_found'],
      ['/v1/admin/journeys/NOT%20AN%20ID/diff?from=1&to=2', 404, 'not_found'],
      ['/v1/admin/journeys/diff-demo/diff?from=1&to=2', 401, 'unauthorized', 'wrong-key'],
      ['/v1/admin/journeys/diff-demo/diff?from=1&to=2', 403, 'forbidden', APP_KEY],
    ];
    for (const [path, status, code, token = ADMIN_KEY] of cases) {
      const res = await server.request('GET', path, { token });
      expect({ path, status: res.status, code: res.body?.error?.code }).toEqual({ path, status, code });
      expect(documented).toContain(code);
    }
  });

  it('the CLI reports a refusal with its status and code (exit 1), and wrong usage with exit 2', async () => {
    const missing = await runCli(['diff', 'diff-demo@1', 'diff-demo@7', ...serverArgs]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('404 not_found');
    const noFile = await runCli(['diff', join(dir, 'v1.json'), join(dir, 'nope.json')]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toContain('nope.json');
    const usage = await runCli(['diff', join(dir, 'v1.json')]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('diff takes two journeys');
  }, 60_000);
});
