import { fileURLToPath } from 'node:url';
import { journeySchema } from './journey-schema.js';

export const journeySchemaFilePath = fileURLToPath(new URL('../journey.schema.json', import.meta.url));

export function renderJourneySchemaFile(): string {
  return JSON.stringify(journeySchema, null, 2) + '\n';
}
