/**
 * Runs work once the main thread is idle (at the latest after `timeout` ms): what the first view
 * of a journey does not need (the minimap, live validation, the config form's code) waits until
 * that view has been painted. Answers a function that cancels it.
 */
export function whenIdle(work: () => void, timeout: number): () => void {
  if (typeof window.requestIdleCallback === 'function') {
    const handle = window.requestIdleCallback(work, { timeout });
    return () => window.cancelIdleCallback(handle);
  }
  const handle = window.setTimeout(work, Math.min(timeout, 200));
  return () => window.clearTimeout(handle);
}
