/**
 * The server's own validator, in the browser: a StepRegistry built from the catalogue (with a
 * no-op run) and the engine's JourneyValidator module, so the designer and the engine agree.
 */
import { JourneyValidator } from '../../../../engine/journey/validate-journey.js';
import { StepRegistry } from '../../../../engine/steps/registry.js';
import type { StepDefinition } from '../../../../engine/steps/step-types.js';
import type { StepCatalogueEntry as CatalogueEntry, Diagnostic } from '../../../../engine/http/contract/types.js';
import type { JourneyDoc } from '../../../../engine/http/contract/journey-document.js';

export function createValidator(catalogue: CatalogueEntry[]): (doc: JourneyDoc) => { valid: boolean; diagnostics: Diagnostic[] } {
  const registry = new StepRegistry();
  for (const entry of catalogue) {
    const definition = {
      type: entry.type,
      title: entry.title,
      category: entry.category,
      description: entry.description,
      configSchema: entry.configSchema,
      branches: entry.branches,
      interactive: entry.interactive,
      terminal: entry.terminal,
      writes: entry.writes,
      run: () => {
        throw new Error('steps do not run in the designer');
      },
    } as unknown as StepDefinition;
    registry.register(definition);
  }
  const validator = new JourneyValidator(registry);
  return (doc) => {
    try {
      return validator.validate(doc) as { valid: boolean; diagnostics: Diagnostic[] };
    } catch (error) {
      return { valid: false, diagnostics: [{ severity: 'error', code: 'invalid_document', message: `validation failed: ${(error as Error).message}`, path: '' }] };
    }
  };
}
