/**
 * Coverage numbers on a journey built for it: 6 steps, 5 wired branches; each case's path and
 * branches are known, so covered/total and what was never reached are exact. The minimum is
 * enforced, and a branch declared unreachable leaves the count but fails a case that takes it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { journeyCli, tempFolder } from './run-cli.js';

const journey = {
  id: 'counted',
  name: 'Counted',
  start: 'ask',
  settings: { public: true },
  steps: {
    ask: {
      type: 'form',
      config: {
        outputVariable: 'answer',
        options: [
          { id: 'go', label: 'Go', schema: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } },
          { id: 'cancel', label: 'Cancel' },
        ],
      },
      branches: { go: 'check', cancel: 'stop' },
    },
    check: { type: 'condition', config: { expression: '{% answer.n > 5 %}' }, branches: { true: 'big', false: 'small' } },
    big: { type: 'set-variables', config: { assign: { size: 'big' } }, branches: { next: 'done' } },
    small: { type: 'complete', config: { claims: { size: 'small' } } },
    done: { type: 'complete', config: { claims: { size: '{% size %}' } } },
    stop: { type: 'reject', config: { code: 'cancelled', message: 'Cancelled' } },
  },
};

const bigCase = {
  name: 'big',
  steps: [{ step: 'ask', option: 'go', data: { n: 10 } }],
  expect: { status: 'completed', claims: { size: 'big' }, path: ['ask', 'check', 'big', 'done'] },
};
const cancelCase = { name: 'cancel', steps: [{ step: 'ask', option: 'cancel' }], expect: { status: 'rejected', error: 'cancelled' } };

async function run(file: Record<string, unknown>, extra: string[] = []) {
  const folder = tempFolder({ 'counted.json': journey, 'counted.test.json': file });
  try {
    const result = await journeyCli(['test', join(folder.dir, 'counted.test.json'), '--coverage-json', join(folder.dir, 'coverage.json'), ...extra]);
    const coverage = JSON.parse(readFileSync(join(folder.dir, 'coverage.json'), 'utf8')) as { journeys: unknown[] };
    return { ...result, coverage: coverage.journeys };
  } finally {
    folder.remove();
  }
}

describe('coverage', () => {
  it('one case: 4/6 steps and 3/5 branches, naming what was never reached', async () => {
    const result = await run({ cases: [bigCase] });
    expect(result.code).toBe(0);
    expect(result.coverage).toEqual([
      {
        journeyId: 'counted',
        steps: { covered: 4, total: 6, missed: ['small', 'stop'] },
        branches: { covered: 3, total: 5, missed: ['ask.cancel', 'check.false'] },
        unreachable: [],
      },
    ]);
    expect(result.stdout).toContain('counted: steps 4/6, branches 3/5 (60%)');
    expect(result.stdout).toContain('steps never entered: small, stop');
    expect(result.stdout).toContain('branches never taken: ask.cancel, check.false');
  });

  it('two cases add up; the minimum is enforced to the percent', async () => {
    const passing = await run({ cases: [bigCase, cancelCase] }, ['--min-branch-coverage', '80']);
    expect(passing.coverage).toEqual([
      {
        journeyId: 'counted',
        steps: { covered: 5, total: 6, missed: ['small'] },
        branches: { covered: 4, total: 5, missed: ['check.false'] },
        unreachable: [],
      },
    ]);
    expect(passing.code).toBe(0);
    const failing = await run({ cases: [bigCase, cancelCase] }, ['--min-branch-coverage', '81']);
    expect(failing.stdout).toContain('2 passed, 0 failed');
    expect(failing.stdout).toContain('branches 4/5 (80%) under the minimum 81%');
    expect(failing.code).toBe(1);
  });

  it('a branch declared unreachable is not counted, and taking it fails the case', async () => {
    const declared = await run({ unreachable: [{ branch: 'check.false', why: 'testing' }], cases: [bigCase, cancelCase] }, ['--min-branch-coverage', '100']);
    expect(declared.coverage).toEqual([
      expect.objectContaining({ branches: { covered: 4, total: 4, missed: [] }, unreachable: ['check.false'] }),
    ]);
    expect(declared.code).toBe(0);

    const small = { name: 'small', steps: [{ step: 'ask', option: 'go', data: { n: 1 } }], expect: { status: 'completed' } };
    const taken = await run({ unreachable: [{ branch: 'check.false', why: 'testing' }], cases: [small] });
    expect(taken.stdout).toContain('✗ small');
    expect(taken.stdout).toContain('the branch check.false, declared unreachable, was taken');
    expect(taken.code).toBe(1);
  });
});
