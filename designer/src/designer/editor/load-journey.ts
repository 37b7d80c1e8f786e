/**
 * Loading the journey the editor opens: the draft (or a published version) with a position for
 * every step, and the draft's server-side diagnostics, etag and published versions.
 */
import { useEffect, useRef, useState } from 'react';
import type { AdminApi } from '../../api/admin.js';
import { ApiError } from '../../api/http.js';
import type { StepCatalogueEntry as CatalogueEntry, Diagnostic } from '../../../../engine/http/contract/types.js';
import type { JourneyDoc } from '../../../../engine/http/contract/journey-document.js';
import { sentence } from '../../renderer/schema-fields.js';
import { layoutJourney } from '../canvas/layout-journey.js';
import { ensureLayout } from '../model/journey-ops.js';
import { takePrefetchedJourney } from '../prefetched.js';

export interface PublishedVersion {
  version: number;
  publishedAt: string;
}

export interface LoadedJourney {
  doc: JourneyDoc;
  /** The server's diagnostics of the draft as loaded (none for a published version). */
  diagnostics?: Diagnostic[];
  etag: string | null;
  versions: PublishedVersion[];
}

/** The document with a position for every step, or null when most are missing (elk has to place them). */
function placedNow(doc: JourneyDoc): JourneyDoc | null {
  const ids = Object.keys(doc.steps);
  const missing = ids.filter((id) => !doc.layout?.[id]);
  if (missing.length === 0) return doc;
  if (missing.length * 2 < ids.length) return ensureLayout(doc);
  return null;
}

/** Positions for a journey whose layout is missing or mostly missing (hand-written files): elk, with estimated sizes. */
async function placeSteps(doc: JourneyDoc, catalogue: CatalogueEntry[]): Promise<JourneyDoc> {
  const now = placedNow(doc);
  if (now) return now;
  try {
    return { ...doc, layout: await layoutJourney(doc, new Map(catalogue.map((e) => [e.type, e]))) };
  } catch {
    return ensureLayout(doc);
  }
}

/** The journey once loaded (null until then), or why it could not be. */
export function useLoadedJourney(api: AdminApi, catalogue: CatalogueEntry[], journeyId: string, version: number | null): { loaded: LoadedJourney | null; loadError: string | null } {
  // Opened by its URL, the draft has usually arrived (prefetched) by the time the editor mounts:
  // it then renders on the first pass, not after an effect, an await and another render.
  const [prefetched] = useState(() => {
    const hit = takePrefetchedJourney(api.key, journeyId);
    const placed = version === null && hit?.value ? placedNow(hit.value.draft) : null;
    if (!hit?.value || !placed) return { hit, ready: null };
    performance.mark('journey:loaded');
    return { hit: null, ready: { doc: placed, diagnostics: hit.value.diagnostics, etag: hit.value.etag, versions: hit.value.versions } };
  });
  const [loaded, setLoaded] = useState<LoadedJourney | null>(prefetched.ready);
  const [loadError, setLoadError] = useState<string | null>(null);
  const pending = useRef(prefetched);

  useEffect(() => {
    const { hit, ready } = pending.current;
    pending.current = { hit: null, ready: null };
    if (ready) return;
    let cancelled = false;
    setLoaded(null);
    setLoadError(null);
    (async () => {
      try {
        const view = await (hit?.promise ?? api.journey(journeyId));
        const doc = version === null ? view.draft : await api.version(journeyId, version);
        const placed = await placeSteps(doc, catalogue);
        if (cancelled) return;
        performance.mark('journey:loaded');
        setLoaded({ doc: placed, diagnostics: version === null ? view.diagnostics : undefined, etag: view.etag, versions: view.versions });
      } catch (e) {
        if (!cancelled) setLoadError(e instanceof ApiError && e.code === 'not_found' ? `There is no journey “${journeyId}”${version ? ` version ${version}` : ''}.` : sentence((e as Error).message));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [api, journeyId, version, catalogue]);

  return { loaded, loadError };
}
