/**
 * Sample journeys from `journeys/`: each one whose id this installation has never known is saved
 * and published (so a sample an admin deleted does not come back at the next start).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { JourneyAdmin } from './runtime/journey-admin.js';
import type { Store } from './store/store.js';
import type { JsonObject } from './steps/step-types.js';

export async function publishSampleJourneys(directory: string, admin: JourneyAdmin, store: Store, logger: Logger): Promise<string[]> {
  const published: string[] = [];
  let files: string[];
  try {
    files = readdirSync(directory).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return published;
  }
  for (const file of files) {
    const document = JSON.parse(readFileSync(join(directory, file), 'utf8')) as JsonObject;
    const id = String(document.id);
    if (await store.journeys.isKnown(id)) continue;
    const saved = await admin.save(id, document);
    if (!saved.valid) {
      logger.warn({ journeyId: id, diagnostics: saved.diagnostics.filter((d) => d.severity === 'error') }, 'sample journey has errors; saved as a draft only');
      continue;
    }
    await admin.publish(id);
    published.push(id);
  }
  return published;
}
