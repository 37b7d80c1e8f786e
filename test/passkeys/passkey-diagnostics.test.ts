/**
 * The validator's view of passkey.authenticate: its success proves a factor for the passkey's
 * user (a public journey may complete after it), its `username` and `skipped` branches prove
 * nothing (completing after them, with a typed username only identified, is warned).
 */
import { describe, expect, it } from 'vitest';
import { JourneyValidator } from '../../engine/journey/validate-journey.js';
import { StepRegistry } from '../../engine/steps/registry.js';
import { builtInSteps } from '../../steps/index.js';

const validator = new JourneyValidator(new StepRegistry().register(...builtInSteps));

function journey(afterTyped: Record<string, unknown>) {
  return {
    id: 'pk-diag',
    name: 'pk-diag',
    start: 'passkey',
    settings: { public: true },
    steps: {
      passkey: {
        type: 'passkey.authenticate',
        config: { autofill: true, outputVariable: 'typed' },
        branches: { success: 'done', username: 'identify', skipped: 'identify' },
      },
      identify: { type: 'user.identify', config: { username: '{% typed.username %}', mode: 'find' }, branches: { success: 'next' } },
      next: afterTyped,
      done: { type: 'complete', config: { claims: {} } },
      proved: { type: 'complete', config: { claims: {} } },
    },
  };
}

const codes = (document: Record<string, unknown>) => validator.validate(document).diagnostics.map((d) => `${d.code}@${d.stepId ?? ''}`);

describe('passkey.authenticate in the validator', () => {
  it('completing after a typed username only identified is warned; after the passkey it is not', () => {
    const unproved = codes(journey({ type: 'complete', config: { claims: {} } }));
    expect(unproved).toContain('unauthenticated_completion@next');
    expect(unproved).not.toContain('unauthenticated_completion@done');
  });

  it('a passkey proved after the typed username establishes the user', () => {
    const proved = codes(journey({ type: 'passkey.authenticate', config: { username: '{% typed.username %}' }, branches: { success: 'proved' } }));
    expect(proved.filter((c) => c.startsWith('unauthenticated_completion'))).toEqual([]);
    // Its other ways out prove nothing: completing after them is warned again.
    const skipped = codes(journey({ type: 'passkey.authenticate', config: { username: '{% typed.username %}' }, branches: { success: 'proved', skipped: 'done' } }));
    expect(skipped).toContain('unauthenticated_completion@done');
  });
});
