/**
 * `npm test` runs the sample journeys' own tests (journeys/*.test.json) through the real command,
 * as a subprocess, requiring every branch of every sample to be taken.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the sample journeys\' tests', () => {
  it('every sample has a test file, and `journey test journeys --min-branch-coverage 100` passes', () => {
    const names = readdirSync(join(root, 'journeys'));
    const journeys = names.filter((n) => n.endsWith('.json') && !n.endsWith('.test.json'));
    expect(journeys.filter((n) => !names.includes(n.replace(/\.json$/, '.test.json')))).toEqual([]);

    const coverageFile = join(tmpdir(), `journey-coverage-${process.pid}.json`);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'test', 'journeys', '--min-branch-coverage', '100', '--coverage-json', coverageFile], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CUSTOM_STEPS: '' },
    });
    expect(run.stdout).toMatch(/\d+ passed, 0 failed/);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const coverage = JSON.parse(readFileSync(coverageFile, 'utf8')) as { journeys: Array<{ journeyId: string; steps: { covered: number; total: number }; branches: { covered: number; total: number; missed: string[] } }> };
    rmSync(coverageFile);
    expect(coverage.journeys.map((j) => j.journeyId).sort()).toEqual(journeys.map((n) => JSON.parse(readFileSync(join(root, 'journeys', n), 'utf8')).id).sort());
    for (const journey of coverage.journeys) {
      expect({ id: journey.journeyId, missed: journey.branches.missed, steps: journey.steps.covered === journey.steps.total }).toEqual({ id: journey.journeyId, missed: [], steps: true });
    }
  }, 300_000);
});
