/** testing/journey-test.schema.json, the file test files name in `$schema`, rendered from the schema in code. */
import { fileURLToPath } from 'node:url';
import { journeyTestFileSchema } from './test-file-schema.js';

export const journeyTestSchemaFilePath = fileURLToPath(new URL('./journey-test.schema.json', import.meta.url));

export function renderJourneyTestSchemaFile(): string {
  return JSON.stringify(journeyTestFileSchema, null, 2) + '\n';
}
