/**
 * The editor's sub-journey commands (#20): add a call to a published journey (the palette's
 * blocks), and extract the selected steps to a new journey called in their place.
 */
import { useCallback, type RefObject } from 'react';
import type { AdminApi } from '../../api/admin.js';
import type { StepCatalogueEntry as CatalogueEntry } from '../../../../engine/http/contract/types.js';
import type { JourneyDoc } from '../../../../engine/http/contract/journey-document.js';
import { sentence } from '../../renderer/schema-fields.js';
import { useFeedback } from '../../ui/feedback.js';
import type { CanvasHandle } from '../canvas/Canvas.js';
import type { ApplyEdit } from '../editor/use-journey-document.js';
import { addStep, updateStep } from '../model/journey-ops.js';
import { extractSubJourney } from './extract.js';

export function useCallCommands(options: {
  api: AdminApi;
  readOnly: boolean;
  catalogue: Map<string, CatalogueEntry>;
  docRef: RefObject<JourneyDoc>;
  apply: ApplyEdit;
  canvas: RefObject<CanvasHandle | null>;
  selectSteps: (ids: Iterable<string>) => void;
  /** Asks for the new journey's id and name (null: cancelled). */
  askNewJourney: (initialName: string) => Promise<{ id: string; name: string } | null>;
}) {
  const { api, readOnly, catalogue, docRef, apply, canvas, selectSteps, askNewJourney } = options;
  const feedback = useFeedback();

  const addCall = useCallback(
    (journeyId: string, name: string) => {
      const entry = catalogue.get('journey.call');
      if (readOnly || !entry) return;
      const c = canvas.current?.center() ?? { x: 0, y: 0 };
      const at = { x: c.x - 110, y: c.y - 40 };
      const withCall = (d: JourneyDoc) => {
        const added = addStep(d, entry, at);
        return { id: added.id, doc: updateStep(added.doc, added.id, (s) => ({ ...s, name, config: { journeyId, version: 'latest' } })) };
      };
      const { id } = withCall(docRef.current);
      apply((d) => withCall(d).doc);
      selectSteps([id]);
    },
    [readOnly, catalogue, canvas, docRef, apply, selectSteps],
  );

  const extract = useCallback(
    async (selected: Set<string>) => {
      if (readOnly || selected.size === 0) return;
      const answer = await askNewJourney(`${docRef.current.name ?? docRef.current.id} block`);
      if (!answer) return;
      const result = extractSubJourney(docRef.current, selected, answer.id, answer.name);
      if ('error' in result) {
        feedback.toast(result.error, 'error');
        return;
      }
      try {
        const saved = await api.save(result.child);
        // Published at once when it can be, so the call runs; otherwise its draft waits for fixes.
        if (saved.valid) await api.publish(result.child.id);
        else feedback.toast(`${result.child.id} was saved as a draft with errors: publish it once they are fixed`, 'info');
      } catch (e) {
        feedback.toast(`Could not create ${answer.id}: ${sentence((e as Error).message)}`, 'error');
        return;
      }
      apply(() => result.parent);
      selectSteps([result.callStepId]);
      feedback.toast(`Extracted ${selected.size} step${selected.size === 1 ? '' : 's'} to ${result.child.id}`, 'success');
    },
    [readOnly, askNewJourney, docRef, api, apply, selectSteps, feedback],
  );

  return { addCall, extract };
}
