/**
 * Live diagnostics for the editor: validation runs in a Web Worker (the same validator module as
 * the server), so a large journey never blocks typing, dragging or the first paint. Edits made
 * while a validation runs are coalesced: the newest document is validated next. Without workers
 * (or if the worker fails), the validator runs on the main thread after the browser has painted.
 */
import { useEffect, useRef, useState } from 'react';
import type { StepCatalogueEntry as CatalogueEntry, Diagnostic } from '../../../../engine/http/contract/types.js';
import type { JourneyDoc } from '../../../../engine/http/contract/journey-document.js';
import { whenIdle } from '../idle.js';

export interface ValidationResult {
  valid: boolean;
  diagnostics: Diagnostic[];
}

const EMPTY: ValidationResult = { valid: true, diagnostics: [] };

type Validate = (doc: JourneyDoc) => ValidationResult;

/** `initial`: what the server said of the document as loaded, shown until the worker has run. */
export function useLiveValidation(catalogue: CatalogueEntry[], doc: JourneyDoc, initial?: Diagnostic[]): ValidationResult {
  const [result, setResult] = useState<ValidationResult>(() => (initial ? { valid: !initial.some((d) => d.severity === 'error'), diagnostics: initial } : EMPTY));
  const engine = useRef<{ post: (doc: JourneyDoc) => void; dispose: () => void } | null>(null);

  useEffect(() => {
    let disposed = false;
    let fallback: Validate | null = null;
    let fallbackLoading: Promise<Validate> | null = null;
    let worker: Worker | null = null;
    let busy = false;
    let next: JourneyDoc | null = null;
    let counter = 0;

    const onMainThread = (d: JourneyDoc) => {
      fallbackLoading ??= import('./validation.js').then((m) => (fallback = m.createValidator(catalogue)));
      void fallbackLoading.then((validate) => {
        setTimeout(() => !disposed && setResult(validate(d)), 0);
      });
    };

    const send = (d: JourneyDoc) => {
      if (!worker) return onMainThread(d);
      busy = true;
      worker.postMessage({ type: 'validate', id: ++counter, doc: d });
    };

    // The worker loads its code at once; the first document goes to it once the first view is
    // painted (validating a large journey takes a core the first render could use).
    try {
      worker = new Worker(new URL('./validation.worker.ts', import.meta.url), { type: 'module', name: 'journey-validation' });
      worker.onmessage = (event: MessageEvent<{ id: number; result: ValidationResult; ms: number }>) => {
        busy = false;
        if (disposed) return;
        if (next) {
          const d = next;
          next = null;
          send(d);
        } else {
          setResult(event.data.result);
        }
      };
      worker.onerror = () => {
        worker?.terminate();
        worker = null;
        busy = false;
        if (next) onMainThread(next);
      };
      worker.postMessage({ type: 'init', catalogue });
    } catch {
      worker = null;
    }
    let started = false;
    const cancelStart = whenIdle(() => {
      started = true;
      if (next) {
        const d = next;
        next = null;
        send(d);
      }
    }, 300);

    engine.current = {
      post(d) {
        if (!started || (worker && busy)) next = d;
        else send(d);
      },
      dispose() {
        disposed = true;
        cancelStart();
        worker?.terminate();
      },
    };
    return () => engine.current?.dispose();
  }, [catalogue]);

  // Layout moves do not change what the validator says.
  useEffect(() => {
    engine.current?.post(doc);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [catalogue, doc.steps, doc.start, doc.settings, doc.input, doc.id, doc.name, doc.description]);

  return result;
}
