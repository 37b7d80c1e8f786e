/**
 * The fake HTTP answers `http.request` steps with the case's canned answers (matched by method
 * and exact URL): the body reaches the claims, a 404 takes the failure branch, and a request the
 * case did not answer fails as an unreachable host.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { journeyCli, tempFolder } from './run-cli.js';

const journey = {
  id: 'plan-lookup',
  name: 'Plan lookup',
  start: 'ask',
  settings: { public: true },
  steps: {
    ask: {
      type: 'form',
      config: { outputVariable: 'answer', options: [{ id: 'go', label: 'Go', schema: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } }] },
      branches: { go: 'lookup' },
    },
    lookup: {
      type: 'http.request',
      config: { url: "{% 'https://api.example.com/users/' & answer.id %}", outputVariable: 'api' },
      errorOutputVariable: 'apiError',
      branches: { success: 'done', failure: 'failed' },
    },
    done: { type: 'complete', config: { claims: { plan: '{% api.body.plan %}' } } },
    failed: { type: 'reject', config: { code: '{% apiError.code %}', message: '{% apiError.message %}' } },
  },
};

const ask = (id: string) => [{ step: 'ask', option: 'go', data: { id } }];

describe('the fake HTTP', () => {
  it('canned answers reach the journey; an unanswered request fails the step', async () => {
    const tests = {
      cases: [
        {
          name: 'the API knows the user',
          http: [{ url: 'https://api.example.com/users/u1', body: { plan: 'gold' } }],
          steps: ask('u1'),
          expect: { status: 'completed', claims: { plan: 'gold' }, path: ['ask', 'lookup', 'done'] },
        },
        {
          name: 'the API answers 404',
          http: [{ method: 'GET', url: 'https://api.example.com/users/u2', status: 404, body: { error: 'no such user' } }],
          steps: ask('u2'),
          expect: { status: 'rejected', error: 'http_error', path: ['ask', 'lookup', 'failed'] },
        },
        {
          name: 'nobody answers',
          http: [{ url: 'https://api.example.com/users/u1', body: { plan: 'gold' } }],
          steps: ask('u3'),
          expect: { status: 'rejected', error: 'http_unreachable' },
        },
      ],
    };
    const folder = tempFolder({ 'plan-lookup.json': journey, 'plan-lookup.test.json': tests });
    try {
      const run = await journeyCli(['test', join(folder.dir, 'plan-lookup.test.json'), '--min-branch-coverage', '100']);
      expect(run.stdout).toContain('3 passed, 0 failed');
      expect(run.stdout).toContain('plan-lookup: steps 4/4, branches 3/3 (100%)');
      expect(run.code).toBe(0);

    } finally {
      folder.remove();
    }
    // The canned body is what the claim is made of: another body, another claim.
    tests.cases[0].http[0].body = { plan: 'silver' };
    const other = tempFolder({ 'plan-lookup.json': journey, 'plan-lookup.test.json': tests });
    try {
      const run = await journeyCli(['test', join(other.dir, 'plan-lookup.test.json')]);
      expect(run.stdout).toContain('expected claim plan = "gold", got "silver"');
      expect(run.code).toBe(1);
    } finally {
      other.remove();
    }
  });
});
