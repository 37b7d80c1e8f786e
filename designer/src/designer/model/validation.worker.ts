/**
 * Live validation off the main thread: the engine's own JourneyValidator (the module the server
 * runs), fed with the catalogue once, then with each edited document. Only the newest document
 * waiting is validated; older ones are skipped.
 */
import type { StepCatalogueEntry as CatalogueEntry } from '../../../../engine/http/contract/types.js';
import type { JourneyDoc } from '../../../../engine/http/contract/journey-document.js';
import { createValidator } from './validation.js';

export type ValidationRequest = { type: 'init'; catalogue: CatalogueEntry[] } | { type: 'validate'; id: number; doc: JourneyDoc };

const scope = self as unknown as { postMessage(message: unknown): void; onmessage: ((event: MessageEvent<ValidationRequest>) => void) | null };
let validate: ReturnType<typeof createValidator> | null = null;

scope.onmessage = (event) => {
  const request = event.data;
  if (request.type === 'init') {
    validate = createValidator(request.catalogue);
    return;
  }
  if (!validate) return;
  const started = performance.now();
  const result = validate(request.doc);
  scope.postMessage({ id: request.id, result, ms: performance.now() - started });
};
