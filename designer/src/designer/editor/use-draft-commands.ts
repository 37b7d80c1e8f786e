/**
 * The commands that talk to the server about the draft: save (with the etag, asking before
 * overwriting someone else's save), publish (saving first), restore a published version as the
 * draft, and auto-layout, which shares their busy state so that the toolbar shows one at a time.
 */
import { useCallback, useRef, useState, type RefObject } from 'react';
import type { AdminApi } from '../../api/admin.js';
import { ApiError } from '../../api/http.js';
import type { Diagnostic } from '../../../../engine/http/contract/types.js';
import type { JourneyDoc } from '../../../../engine/http/contract/journey-document.js';
import { sentence } from '../../renderer/schema-fields.js';
import { useFeedback } from '../../ui/feedback.js';
import type { CanvasHandle } from '../canvas/Canvas.js';
import type { PublishedVersion } from './load-journey.js';

export type BusyWith = 'save' | 'publish' | 'layout' | null;

export interface DraftCommands {
  busy: BusyWith;
  versions: PublishedVersion[];
  /** Answers whether the draft was saved; `quiet` saves without a toast (before a publish or a test run). */
  save: (options?: { quiet?: boolean }) => Promise<boolean>;
  publish: () => Promise<void>;
  restore: () => Promise<void>;
  layout: () => Promise<void>;
}

export function useDraftCommands(options: {
  api: AdminApi;
  journeyId: string;
  version: number | null;
  initialEtag: string | null;
  initialVersions: PublishedVersion[];
  docRef: RefObject<JourneyDoc>;
  dirtyRef: RefObject<boolean>;
  markSaved: (doc: JourneyDoc) => void;
  diagnostics: Diagnostic[];
  canvas: RefObject<CanvasHandle | null>;
  navigate: (path: string) => void;
}): DraftCommands {
  const { api, journeyId, version, docRef, dirtyRef, markSaved, diagnostics, canvas, navigate } = options;
  const readOnly = version !== null;
  const feedback = useFeedback();
  const [busy, setBusy] = useState<BusyWith>(null);
  const etag = useRef(options.initialEtag);
  const [versions, setVersions] = useState(options.initialVersions);

  const save = useCallback(
    async (saveOptions: { quiet?: boolean } = {}): Promise<boolean> => {
      if (readOnly) return false;
      const current = docRef.current;
      setBusy('save');
      try {
        let result;
        try {
          result = await api.save(current, etag.current);
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 'conflict')) throw e;
          const overwrite = await feedback.confirm({
            title: 'The draft changed on the server',
            message: 'Someone saved this journey after you opened it. Overwrite their changes with yours, or cancel and reload to see theirs.',
            confirmLabel: 'Overwrite',
            danger: true,
          });
          if (!overwrite) return false;
          result = await api.save(current, null);
        }
        etag.current = result.etag;
        markSaved(current);
        if (!saveOptions.quiet) {
          const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
          feedback.toast(errors ? `Draft saved with ${errors} error${errors === 1 ? '' : 's'}` : 'Draft saved', errors ? 'info' : 'success');
        }
        return true;
      } catch (e) {
        feedback.toast(`Could not save: ${sentence((e as Error).message)}`, 'error');
        return false;
      } finally {
        setBusy(null);
      }
    },
    [api, feedback, readOnly, docRef, markSaved],
  );

  const publish = useCallback(async () => {
    if (readOnly) return;
    if (diagnostics.some((d) => d.severity === 'error')) {
      feedback.toast('Fix the errors listed under Problems before publishing', 'error');
      return;
    }
    if (dirtyRef.current && !(await save({ quiet: true }))) return;
    setBusy('publish');
    try {
      const result = await api.publish(journeyId);
      setVersions((list) => [...list.filter((v) => v.version !== result.version), { version: result.version, publishedAt: result.publishedAt }]);
      feedback.toast(`Published version ${result.version}`, 'success');
    } catch (e) {
      const count = e instanceof ApiError ? ((e.details as { diagnostics?: unknown[] })?.diagnostics?.length ?? 0) : 0;
      feedback.toast(e instanceof ApiError && e.code === 'validation_failed' ? `Not published: ${count} problem${count === 1 ? '' : 's'} to fix` : `Could not publish: ${sentence((e as Error).message)}`, 'error');
    } finally {
      setBusy(null);
    }
  }, [api, feedback, journeyId, readOnly, save, diagnostics, dirtyRef]);

  const restore = useCallback(async () => {
    if (version === null) return;
    const ok = await feedback.confirm({
      title: `Restore version ${version}?`,
      message: 'Its document replaces the current draft. Published versions are not changed.',
      confirmLabel: 'Restore as draft',
    });
    if (!ok) return;
    try {
      await api.restore(journeyId, version);
      feedback.toast(`Version ${version} copied into the draft`, 'success');
      navigate(`/designer/journeys/${encodeURIComponent(journeyId)}`);
    } catch (e) {
      feedback.toast(`Could not restore: ${sentence((e as Error).message)}`, 'error');
    }
  }, [api, feedback, journeyId, navigate, version]);

  const layout = useCallback(async () => {
    if (readOnly || !canvas.current) return;
    setBusy('layout');
    try {
      await canvas.current.layout();
    } catch (e) {
      feedback.toast(`Auto-layout failed: ${(e as Error).message}`, 'error');
    } finally {
      setBusy(null);
    }
  }, [feedback, readOnly, canvas]);

  return { busy, versions, save, publish, restore, layout };
}
