/**
 * Custom steps from CUSTOM_STEPS (comma-separated module paths, relative to the working
 * directory): each module's default export (or its `steps` export) is a step definition or a
 * list of them. They join the registry exactly as the built-in steps do.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StepDefinition } from './sdk.js';

export async function loadCustomSteps(modules: string[]): Promise<Array<StepDefinition<any>>> {
  const steps: Array<StepDefinition<any>> = [];
  for (const path of modules) {
    const module = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown; steps?: unknown };
    const exported = module.steps ?? module.default;
    const list = Array.isArray(exported) ? exported : [exported];
    for (const step of list) {
      if (!isStepDefinition(step)) throw new Error(`CUSTOM_STEPS: ${path} does not export step definitions (defineStep(...))`);
      steps.push(step);
    }
  }
  return steps;
}

function isStepDefinition(value: unknown): value is StepDefinition<any> {
  const v = value as Partial<StepDefinition>;
  return !!v && typeof v.type === 'string' && typeof v.run === 'function' && typeof v.configSchema === 'object';
}
