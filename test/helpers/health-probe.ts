/**
 * Whether a server keeps answering others while it works on a hostile request: /healthz is
 * polled while the work runs, and the slowest answer is what counts.
 */
import { performance } from 'node:perf_hooks';
import { expect } from 'vitest';

export interface Probed<T> {
  result: T;
  /** The slowest /healthz answer while the work ran. */
  slowestMs: number;
  checks: number;
  /** How long the work took, probes included. */
  elapsedMs: number;
}

/** Runs `work` while `${url}/healthz` is polled every `intervalMs`. */
export async function probeHealthDuring<T>(url: string, work: () => Promise<T>, intervalMs = 5): Promise<Probed<T>> {
  let done = false;
  let slowestMs = 0;
  let checks = 0;
  const started = performance.now();
  const poll = (async () => {
    while (!done) {
      const asked = performance.now();
      const health = await fetch(`${url}/healthz`);
      await health.text();
      expect(health.status).toBe(200);
      slowestMs = Math.max(slowestMs, performance.now() - asked);
      checks += 1;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  const result = await work().finally(() => {
    done = true;
  });
  await poll;
  return { result, slowestMs, checks, elapsedMs: performance.now() - started };
}

/**
 * `work` under the probe, repeated (up to three runs) only while a health check took `limitMs` or
 * more; answers the run whose slowest check was fastest. A parallel suite may steal the CPU for a
 * moment, while a server the work really blocks (for seconds) fails every run. `work` must be
 * repeatable.
 */
export async function bestOfThree<T>(url: string, work: () => Promise<T>, options: { limitMs?: number; intervalMs?: number } = {}): Promise<Probed<T>> {
  const limitMs = options.limitMs ?? 100;
  let best: Probed<T> | undefined;
  for (let run = 0; run < 3 && !(best && best.slowestMs < limitMs); run++) {
    const probed = await probeHealthDuring(url, work, options.intervalMs);
    if (!best || probed.slowestMs < best.slowestMs) best = probed;
  }
  return best!;
}
