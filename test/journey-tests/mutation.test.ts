/**
 * The shipped tests catch real changes: a sample journey mutated in a temp copy (one branch
 * rewired, one literal its claims depend on changed) fails its own tests, naming the case; the
 * unmutated copy passes. Runs in process (cli/commands.ts main) on copies of journeys/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { journeyCli, tempFolder } from './run-cli.js';

const journeys = fileURLToPath(new URL('../../journeys/', import.meta.url));
const sample = (name: string) => JSON.parse(readFileSync(join(journeys, name), 'utf8')) as Record<string, any>;

async function testCopy(name: string, mutate: (journey: Record<string, any>) => void) {
  const journey = sample(`${name}.json`);
  mutate(journey);
  const folder = tempFolder({ [`${name}.json`]: journey, [`${name}.test.json`]: readFileSync(join(journeys, `${name}.test.json`), 'utf8') });
  try {
    return await journeyCli(['test', folder.dir]);
  } finally {
    folder.remove();
  }
}

describe('mutating a sample journey fails its tests', () => {
  it('the unmutated copy passes', async () => {
    const run = await testCopy('login-totp', () => {});
    expect(run.stdout).toContain('4 passed, 0 failed');
    expect(run.code).toBe(0);
  });

  it('rewiring one branch (after a wrong code, end at once instead of asking again)', async () => {
    const run = await testCopy('login-totp', (journey) => {
      journey.steps.again.branches.true = 'tooMany';
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('✗ a wrong code, then the right one');
    expect(run.stdout).toMatch(/case "a wrong code, then the right one", step 2: expected to wait at "login", but the session rejected with too_many_attempts/);
    expect(run.stdout).toContain('✓ the right code signs in');
  });

  it('changing one literal the claims depend on (the risk threshold)', async () => {
    const run = await testCopy('adaptive-mfa', (journey) => {
      const rule = journey.steps.risk.config.rules.find((r: { name: string }) => r.name === 'amount over 1000');
      rule.when = rule.when.replace('> 1000', '> 10');
    });
    expect(run.code).toBe(1);
    // 50 is now over the threshold: the "allowed" case is challenged instead of completing.
    expect(run.stdout).toMatch(/case "a known device and a small amount: allowed": expected the session completed, but it waits at "mfa"/);
  });

  it('changing a claim\'s literal', async () => {
    const run = await testCopy('register-totp', (journey) => {
      journey.steps.done.config.claims.enrolled = 'app';
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('expected claim enrolled = "totp", got "app"');
  });
});
