/**
 * The run a piece of async work belongs to (Node only): lets the services charge or exempt time
 * to the budget of the start or submit that called them, however deep in a step the call is.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { RunBudget } from './run-budget.js';

const running = new AsyncLocalStorage<RunBudget>();

/** Runs one start or submit under its budget. */
export function withRunBudget<T>(budget: RunBudget, run: () => Promise<T>): Promise<T> {
  return running.run(budget, run);
}

/** Runs an outbound wait (HTTP call, message provider) without charging the run for it. */
export async function uncharged<T>(wait: () => Promise<T>): Promise<T> {
  const budget = running.getStore();
  if (!budget) return wait();
  const started = performance.now();
  try {
    return await wait();
  } finally {
    budget.ioMs += performance.now() - started;
  }
}

/** The budget of the run now going on, if any (a called journey runs under its caller's). */
export function currentRunBudget(): RunBudget | undefined {
  return running.getStore();
}
