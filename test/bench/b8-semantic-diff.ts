/**
 * B8 (#19): the semantic diff of a generated 500-step journey: one config edit (what a save or a
 * publish records in the audit log), and the worst case for rename matching, every step of a
 * 500-step chain renamed with identical configs.
 */
import { semanticDiff } from '../../engine/journey/semantic-diff.js';
import { largeJourney } from './fixtures.js';
import { line, median } from './stats.js';

function renamedChain(n: number, prefix: string) {
  const id = (i: number) => `${prefix}${String(i).padStart(4, '0')}`;
  const steps: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) steps[id(i)] = { type: 'form', config: { title: 'same' }, branches: i + 1 < n ? { next: id(i + 1) } : {} };
  return { id: 'chain', start: id(0), steps };
}

function timed(runs: number, work: () => unknown): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return times;
}

export async function runB8(): Promise<Record<string, number>> {
  const journey = largeJourney(500) as { steps: Record<string, { config?: Record<string, unknown> }> };
  const edited = structuredClone(journey);
  const someStep = Object.keys(edited.steps)[250];
  edited.steps[someStep].config = { ...edited.steps[someStep].config, benchEdit: true };
  const oneEdit = timed(30, () => semanticDiff(journey, edited));
  if (semanticDiff(journey, edited).changes.length !== 1) throw new Error('B8: expected one change');
  const [a, b] = [renamedChain(500, 'a'), renamedChain(500, 'b')];
  const renamed = timed(5, () => semanticDiff(a, b));
  if (semanticDiff(a, b).changes.length !== 500) throw new Error('B8: expected 500 renames');
  line('B8 diff a 500-step journey, one config edit (median of 30)', `${median(oneEdit).toFixed(2)} ms`);
  line('B8 diff a 500-step chain, every step renamed (median of 5)', `${median(renamed).toFixed(1)} ms`);
  return { oneEditMs: median(oneEdit), allRenamedMs: median(renamed) };
}

if (import.meta.url === `file://${process.argv[1]}`) await runB8();
