/**
 * What the start-up prefetch (prefetch.ts) has requested, for the screens that use it to take
 * once. A module of its own, so the editor reads the prefetched journey without importing the
 * module that loads the editor's code (which would make the two an import cycle).
 */
import type { StepCatalogueEntry as CatalogueEntry } from '../../../engine/http/contract/types.js';
import type { JourneyView } from '../api/admin.js';

/** A prefetch, and its value once it has arrived: the app then renders with it at once. */
export interface Prefetch<T> {
  promise: Promise<T>;
  value?: T;
}

function prefetch<T>(promise: Promise<T>): Prefetch<T> {
  const entry: Prefetch<T> = { promise };
  promise.then(
    (value) => (entry.value = value),
    () => undefined, // the app reports errors when it takes the promise
  );
  return entry;
}

const journeys = new Map<string, Prefetch<JourneyView>>();
let catalogue: (Prefetch<CatalogueEntry[]> & { key: string }) | null = null;

const journeyKey = (key: string, journeyId: string) => `${key}\u0000${journeyId}`;

export function prefetchCatalogue(key: string, request: Promise<CatalogueEntry[]>): void {
  catalogue = { key, ...prefetch(request) };
}

export function prefetchJourney(key: string, journeyId: string, request: Promise<JourneyView>): void {
  journeys.set(journeyKey(key, journeyId), prefetch(request));
}

/** The prefetched document, once: later loads (after a save, a restore) fetch afresh. */
export function takePrefetchedJourney(key: string, journeyId: string): Prefetch<JourneyView> | null {
  const id = journeyKey(key, journeyId);
  const hit = journeys.get(id) ?? null;
  journeys.delete(id);
  return hit;
}

export function takePrefetchedCatalogue(key: string): Prefetch<CatalogueEntry[]> | null {
  const hit = catalogue && catalogue.key === key ? catalogue : null;
  catalogue = null;
  return hit;
}
