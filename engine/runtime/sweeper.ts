/**
 * Removes what has outlived its retention: sessions past their TTL plus SESSION_RETENTION_SECONDS
 * (so an expired session answers 410 until then), and one-use token records past their expiry.
 * Safe to run in every process at once: each pass is a plain conditional delete.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';

export async function sweepOnce(store: Store, now: Date, retentionSeconds: number): Promise<{ sessions: number; tokens: number }> {
  const sessions = await store.sessions.deleteExpired(new Date(now.getTime() - retentionSeconds * 1000).toISOString());
  const tokens = await store.usedTokens.deleteExpired(now.toISOString());
  return { sessions, tokens };
}

export function startSweeper(options: { store: Store; now: () => Date; retentionSeconds: number; intervalMs: number; logger: Logger }): () => void {
  const timer = setInterval(() => {
    sweepOnce(options.store, options.now(), options.retentionSeconds)
      .then((removed) => {
        if (removed.sessions || removed.tokens) options.logger.info(removed, 'swept expired sessions and token records');
      })
      .catch((error) => options.logger.error({ err: error }, 'sweep failed'));
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
