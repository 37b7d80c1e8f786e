/**
 * Sums a .cpuprofile's self time per function (the profiles B1_BREAKDOWN_PROFILE and
 * B2_BREAKDOWN_PROFILE write): where the samples actually sat, as opposed to profile-parts.ts's
 * share per part. `npx tsx test/bench/profile-self-time.ts FILE [--per N] [--top K]` prints the
 * top functions; `--per N` divides by N units (e.g. the steps the profiled loop ran) to show µs each.
 */
import { readFileSync } from 'node:fs';
import type { Profiler } from 'node:inspector';

export function selfTimes(profile: Profiler.Profile): Array<{ name: string; where: string; micros: number }> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, { name: string; where: string; micros: number }>();
  profile.samples!.forEach((id, i) => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') return;
    const where = url ? `${url.replace(/^.*\/(node_modules|engine|steps|test)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const entry = totals.get(key) ?? { name: functionName || '(anonymous)', where, micros: 0 };
    entry.micros += profile.timeDeltas![i];
    totals.set(key, entry);
  });
  return [...totals.values()].sort((a, b) => b.micros - a.micros);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, ...rest] = process.argv.slice(2);
  const option = (name: string, fallback: number) => {
    const at = rest.indexOf(name);
    return at >= 0 ? Number(rest[at + 1]) : fallback;
  };
  const per = option('--per', 1);
  const top = option('--top', 40);
  const rows = selfTimes(JSON.parse(readFileSync(file, 'utf8')));
  const total = rows.reduce((sum, row) => sum + row.micros, 0);
  console.log(`total sampled ${(total / per).toFixed(1)} µs per unit`);
  for (const row of rows.slice(0, top)) {
    console.log(`${(row.micros / per).toFixed(2).padStart(8)} µs ${((row.micros / total) * 100).toFixed(1).padStart(5)} %  ${row.name}  ${row.where}`);
  }
}
