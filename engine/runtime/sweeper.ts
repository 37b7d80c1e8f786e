/**
 * Removes what has outlived its retention: sessions past their TTL plus SESSION_RETENTION_SECONDS
 * (so an expired session answers 410 until then), email links expired as long ago, and one-use
 * token records past their expiry, and the OpenID provider's artefacts past theirs.
 * Safe to run in every process at once: each pass is a plain conditional delete.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';

/** Rate and send-limit windows are at most this long; older counters can only be stale. */
export const COUNTER_RETENTION_SECONDS = 7 * 86400;

export async function sweepOnce(
  store: Store,
  now: Date,
  retentionSeconds: number,
): Promise<{ sessions: number; tokens: number; counters: number; links: number; oidc: number }> {
  const sessions = await store.sessions.deleteExpired(new Date(now.getTime() - retentionSeconds * 1000).toISOString());
  // Email links answer 410 (expired) for as long as an expired session would, then are forgotten.
  const links = await store.links.deleteExpired(new Date(now.getTime() - retentionSeconds * 1000).toISOString());
  const tokens = await store.usedTokens.deleteExpired(now.toISOString());
  const counters = await store.counters.deleteStale(new Date(now.getTime() - COUNTER_RETENTION_SECONDS * 1000).toISOString());
  // The OpenID provider's artefacts (codes, tokens, sessions, interactions) once they have expired.
  const oidc = await store.oidc.deleteExpired(now.toISOString());
  return { sessions, tokens, counters, links, oidc };
}

export function startSweeper(options: { store: Store; now: () => Date; retentionSeconds: number; intervalMs: number; logger: Logger }): () => void {
  const timer = setInterval(() => {
    sweepOnce(options.store, options.now(), options.retentionSeconds)
      .then((removed) => {
        if (removed.sessions || removed.tokens || removed.counters || removed.links || removed.oidc) {
          options.logger.info(removed, 'swept expired sessions, token records, counters, email links and OpenID artefacts');
        }
      })
      .catch((error) => options.logger.error({ err: error }, 'sweep failed'));
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
