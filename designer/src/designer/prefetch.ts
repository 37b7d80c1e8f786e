/**
 * Start-up prefetch: when the designer opens straight on a journey, its document is fetched at
 * the same time as the step catalogue and the editor's code, not one after the other.
 */
import { AdminApi } from '../api/admin.js';
import type { CatalogueEntry, JourneyView } from '../api/types.js';

const pending = new Map<string, Promise<JourneyView>>();

export function prefetchJourney(key: string, journeyId: string): void {
  const promise = new AdminApi(key).journey(journeyId);
  promise.catch(() => undefined); // the editor reports errors when it takes it
  pending.set(`${key}\u0000${journeyId}`, promise);
}

/** The prefetched document, once: later loads (after a save, a restore) fetch afresh. */
export function takePrefetchedJourney(key: string, journeyId: string): Promise<JourneyView> | null {
  const id = `${key}\u0000${journeyId}`;
  const promise = pending.get(id) ?? null;
  pending.delete(id);
  return promise;
}

let catalogue: { key: string; promise: Promise<CatalogueEntry[]> } | null = null;

export function prefetchCatalogue(key: string): void {
  const promise = new AdminApi(key).catalogue();
  promise.catch(() => undefined);
  catalogue = { key, promise };
}

export function takePrefetchedCatalogue(key: string): Promise<CatalogueEntry[]> | null {
  const hit = catalogue && catalogue.key === key ? catalogue.promise : null;
  catalogue = null;
  return hit;
}
