/**
 * Start-up prefetch, run by the entry module before React has even been fetched: when the
 * designer opens straight on a journey, the step catalogue, the journey document and the editor's
 * code are all requested at once, while the browser is still downloading React, instead of one
 * after the other once the app has started.
 */
import { AdminApi, storedAdminKey } from '../api/admin.js';
import type { CatalogueEntry, JourneyView } from '../api/types.js';
import { parseRoute } from './routes.js';

// The editor (React Flow, rjsf, the validator) is a chunk of its own, loaded in parallel with the data.
type EditorModule = typeof import('./Editor.js');
let editor: { promise: Promise<EditorModule>; module: EditorModule | null } | null = null;

export function loadEditor(): Promise<EditorModule> {
  if (editor) return editor.promise;
  const entry: { promise: Promise<EditorModule>; module: EditorModule | null } = {
    promise: import('./Editor.js').then(
      (module) => (entry.module = module),
      (error) => {
        editor = null; // a later attempt tries again
        throw error;
      },
    ),
    module: null,
  };
  editor = entry;
  return entry.promise;
}

/** The editor's module if it has loaded already: then it renders without suspending. */
export function loadedEditor(): EditorModule | null {
  return editor?.module ?? null;
}

/** A prefetch, and its value once it has arrived: the app then renders with it at once. */
interface Prefetch<T> {
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

/** Called once by the entry module, for the page the browser opened on. */
export function prefetchForPage(pathname: string): void {
  const route = parseRoute(pathname);
  const key = storedAdminKey();
  if (key) catalogue = { key, ...prefetch(new AdminApi(key).catalogue()) };
  if (route.page !== 'editor') return;
  void loadEditor().catch(() => undefined); // a failed chunk is reported by the shell
  if (key && route.version === null) journeys.set(`${key}\u0000${route.journeyId}`, prefetch(new AdminApi(key).journey(route.journeyId)));
}

/** The prefetched document, once: later loads (after a save, a restore) fetch afresh. */
export function takePrefetchedJourney(key: string, journeyId: string): Prefetch<JourneyView> | null {
  const id = `${key}\u0000${journeyId}`;
  const hit = journeys.get(id) ?? null;
  journeys.delete(id);
  return hit;
}

export function takePrefetchedCatalogue(key: string): Prefetch<CatalogueEntry[]> | null {
  const hit = catalogue && catalogue.key === key ? catalogue : null;
  catalogue = null;
  return hit;
}
