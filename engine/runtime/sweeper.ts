/**
 * Removes what has outlived its retention: sessions past their TTL plus SESSION_RETENTION_SECONDS
 * (so an expired session answers 410 until then), email links expired as long ago, and one-use
 * token records past their expiry, and the OpenID provider's artefacts past theirs. First,
 * sessions that expired waiting are counted in their journey's analytics (abandoned where they waited), before retention removes them.
 * Safe to run in every process at once: each pass is a plain conditional delete.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { JourneyAnalytics } from '../analytics/journey-analytics.js';

/** Rate and send-limit windows are at most this long; older counters can only be stale. */
export const COUNTER_RETENTION_SECONDS = 7 * 86400;

export async function sweepOnce(
  store: Store,
  now: Date,
  retentionSeconds: number,
): Promise<{ expired: number; sessions: number; tokens: number; counters: number; links: number; oidc: number }> {
  // Until none is left: a session must be counted before retention deletes it.
  const analytics = new JourneyAnalytics(store, () => now);
  let expired = 0;
  for (let batch = await analytics.countExpired(); batch > 0; batch = await analytics.countExpired()) expired += batch;
  const sessions = await store.sessions.deleteExpired(new Date(now.getTime() - retentionSeconds * 1000).toISOString());
  // Email links answer 410 (expired) for as long as an expired session would, then are forgotten.
  const links = await store.links.deleteExpired(new Date(now.getTime() - retentionSeconds * 1000).toISOString());
  const tokens = await store.usedTokens.deleteExpired(now.toISOString());
  const counters = await store.counters.deleteStale(new Date(now.getTime() - COUNTER_RETENTION_SECONDS * 1000).toISOString());
  // The OpenID provider's artefacts (codes, tokens, sessions, interactions) once they have expired.
  const oidc = await store.oidc.deleteExpired(now.toISOString());
  return { expired, sessions, tokens, counters, links, oidc };
}

export function startSweeper(options: { store: Store; now: () => Date; retentionSeconds: number; intervalMs: number; logger: Logger }): () => void {
  const timer = setInterval(() => {
    sweepOnce(options.store, options.now(), options.retentionSeconds)
      .then((removed) => {
        if (removed.expired || removed.sessions || removed.tokens || removed.counters || removed.links || removed.oidc) {
          options.logger.info(removed, 'counted expired sessions; swept old sessions, token records, counters, email links and OpenID artefacts');
        }
      })
      .catch((error) => options.logger.error({ err: error }, 'sweep failed'));
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
