/**
 * Where a benchmark's CPU goes: a V8 sampling profile of the measured loop, each sample charged to
 * the innermost part of the engine it was in (xstate, the store, token signing, TOTP, expressions,
 * garbage collection, the engine's own code). Used by the B1 and B2 breakdowns.
 */
import { Session, type Profiler } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { line } from './stats.js';

/** The first matching rule, from the sampled frame outwards, names the part a sample belongs to. */
const PARTS: Array<[string, (url: string, name: string) => boolean]> = [
  ['garbage collection', (_url, name) => name === '(garbage collector)'],
  ['xstate transitions', (url) => url.includes('/node_modules/xstate/')],
  ['token signing (jose, WebCrypto)', (url) => url.includes('/node_modules/jose/') || url.includes('internal/crypto/webcrypto') || url.includes('internal/crypto/ec')],
  ['TOTP check (otplib, unseal)', (url) => url.includes('otplib') || url.includes('/security/sealing')],
  ['expressions (JSONata)', (url) => url.includes('/node_modules/jsonata/') || url.includes('/runtime/expressions')],
  ['store (SQLite statements, JSON)', (url) => url.includes('better-sqlite3') || url.includes('/engine/store/')],
  ['engine: runtime, steps, sessions', (url) => url.includes('/engine/') || url.includes('/steps/')],
];

/** Idle time (waiting on the thread pool) and the profiler's own work (the inspector's native `dispatch`). */
function notTheBenchmark(frame: Profiler.ProfileNode['callFrame']): boolean {
  return frame.functionName === '(idle)' || frame.functionName === '(program)' || (frame.functionName === 'dispatch' && frame.url === '');
}

/** Runs `work` under the profiler; `keep` writes the raw profile (open it in Chrome DevTools). */
export async function profiled(work: () => Promise<void>, keep?: string): Promise<Profiler.Profile> {
  const inspector = new Session();
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.setSamplingInterval', { interval: 100 });
  await inspector.post('Profiler.start');
  await work();
  const { profile } = await inspector.post('Profiler.stop');
  inspector.disconnect();
  if (keep) writeFileSync(keep, JSON.stringify(profile));
  return profile;
}

/** Sampled CPU time per part (idle time and the profiler's own work excluded). */
export function chargeParts(profile: Profiler.Profile): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const partOf = new Map<number, string>();
  const part = (id: number): string => {
    const known = partOf.get(id);
    if (known) return known;
    let found = 'other (Node internals, the bench loop)';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { url, functionName } = byId.get(at)!.callFrame;
      const rule = PARTS.find(([, matches]) => matches(url, functionName));
      if (rule) {
        found = rule[0];
        break;
      }
    }
    partOf.set(id, found);
    return found;
  };
  const totals = new Map<string, number>();
  profile.samples!.forEach((id, i) => {
    if (notTheBenchmark(byId.get(id)!.callFrame)) return;
    const key = part(id);
    totals.set(key, (totals.get(key) ?? 0) + profile.timeDeltas![i]);
  });
  return totals;
}

/**
 * The store's share split by the store method that was running (the outermost frame in
 * engine/store/): which writes and reads a unit of work pays for. Fractions of all sampled CPU.
 */
export function chargeStoreMethods(profile: Profiler.Profile): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, number>();
  let sampled = 0;
  profile.samples!.forEach((id, i) => {
    if (notTheBenchmark(byId.get(id)!.callFrame)) return;
    sampled += profile.timeDeltas![i];
    let method: string | null = null;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.url.includes('/engine/store/') && frame.functionName && frame.functionName !== '(anonymous)') method = frame.functionName;
    }
    if (method) totals.set(method, (totals.get(method) ?? 0) + profile.timeDeltas![i]);
  });
  for (const [method, micros] of totals) totals.set(method, micros / sampled);
  return totals;
}

/**
 * Prints `cpuPerUnit` (measured without the profiler, which adds overhead) divided among the parts
 * in the proportions the profile found; returns the microseconds per part.
 */
export function reportParts(label: string, unit: string, cpuPerUnit: number, profile: Profiler.Profile): Map<string, number> {
  const parts = chargeParts(profile);
  const sampled = [...parts.values()].reduce((a, b) => a + b, 0);
  line(label, `${Math.round(cpuPerUnit)} µs CPU per ${unit}`);
  const shares = new Map<string, number>();
  for (const [name, micros] of [...parts].sort((a, b) => b[1] - a[1])) {
    const share = micros / sampled;
    shares.set(name, share * cpuPerUnit);
    line(`  ${name}`, `${Math.round(share * cpuPerUnit)} µs (${(share * 100).toFixed(0)} %)`);
  }
  return shares;
}
