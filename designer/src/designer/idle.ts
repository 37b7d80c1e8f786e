/**
 * Runs work once the main thread is idle (at the latest `timeout` ms after `delay`): what the
 * first view of a journey does not need (the minimap, live validation, the config form's code)
 * waits until that view has been rendered and painted. Answers a function that cancels it.
 */
export function whenIdle(work: () => void, timeout: number, delay = 0): () => void {
  let cancel = () => {};
  const idle = () => {
    if (typeof window.requestIdleCallback === 'function') {
      const handle = window.requestIdleCallback(work, { timeout });
      cancel = () => window.cancelIdleCallback(handle);
    } else {
      const handle = window.setTimeout(work, Math.min(timeout, 200));
      cancel = () => window.clearTimeout(handle);
    }
  };
  if (delay > 0) {
    const handle = window.setTimeout(idle, delay);
    cancel = () => window.clearTimeout(handle);
  } else {
    idle();
  }
  return () => cancel();
}
