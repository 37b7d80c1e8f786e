/**
 * Start-up prefetch, run by the entry module before React has even been fetched: when the
 * designer opens straight on a journey, the step catalogue, the journey document and the editor's
 * code are all requested at once, while the browser is still downloading React, instead of one
 * after the other once the app has started. The data waits in prefetched.ts for the screens.
 */
import { AdminApi, storedAdminKey } from '../api/admin.js';
import { prefetchCatalogue, prefetchJourney } from './prefetched.js';
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

/** Called once by the entry module, for the page the browser opened on. */
export function prefetchForPage(pathname: string): void {
  const route = parseRoute(pathname);
  const key = storedAdminKey();
  if (key) prefetchCatalogue(key, new AdminApi(key).catalogue());
  if (route.page !== 'editor') return;
  void loadEditor().catch(() => undefined); // a failed chunk is reported by the shell
  if (key && route.version === null) prefetchJourney(key, route.journeyId, new AdminApi(key).journey(route.journeyId));
}
