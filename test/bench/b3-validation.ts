/** B3: validation and compile time of a generated 500-step journey. */
import { pino } from 'pino';
import { loadConfig } from '../../engine/config.js';
import { createEngine } from '../../engine/engine.js';
import type { Journey } from '../../engine/journey/journey-schema.js';
import { hashDocument } from '../../engine/runtime/journey-runtime.js';
import { builtInSteps } from '../../steps/index.js';
import { tempDataDir } from '../helpers/test-server.js';
import { largeJourney } from './fixtures.js';
import { line, median } from './stats.js';

export async function runB3(): Promise<Record<string, number>> {
  const dir = tempDataDir();
  const engine = await createEngine(loadConfig({ DATA_DIR: dir, ADMIN_API_KEY: 'bench', LOG_LEVEL: 'silent' }), { steps: builtInSteps, logger: pino({ level: 'silent' }) });
  const journey = largeJourney(500);
  const stepCount = Object.keys(journey.steps).length;
  const validations: number[] = [];
  for (let i = 0; i < 30; i++) {
    const started = performance.now();
    const result = engine.runtime.validator.validate(journey);
    validations.push(performance.now() - started);
    if (!result.valid) throw new Error(JSON.stringify(result.diagnostics.slice(0, 3)));
  }
  const compiles: number[] = [];
  for (let i = 0; i < 10; i++) {
    const copy = { ...journey, description: `copy ${i}` }; // a new hash each time: no cache hit
    const started = performance.now();
    engine.runtime.compile(copy as unknown as Journey, hashDocument(copy));
    compiles.push(performance.now() - started);
  }
  line(`B3 validate a ${stepCount}-step journey (first run, cold)`, `${validations[0].toFixed(1)} ms`);
  line(`B3 validate a ${stepCount}-step journey (median of 29 warm)`, `${median(validations.slice(1)).toFixed(1)} ms`);
  line(`B3 validate + compile to xstate (median of 10)`, `${median(compiles).toFixed(1)} ms`);
  await engine.close();
  return { validateColdMs: validations[0], validateMs: median(validations.slice(1)), compileMs: median(compiles) };
}

if (import.meta.url === `file://${process.argv[1]}`) await runB3();
