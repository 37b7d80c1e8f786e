// Writes engine/journey.schema.json from the TypeScript source of truth.
import { writeFileSync } from 'node:fs';
import { journeySchemaFilePath, renderJourneySchemaFile } from '../engine/journey/schema-file.js';
import { journeyTestSchemaFilePath, renderJourneyTestSchemaFile } from '../testing/schema-file.js';

writeFileSync(journeySchemaFilePath, renderJourneySchemaFile());
console.log(`wrote ${journeySchemaFilePath}`);
// The journey test files' format (docs/testing-journeys.md).
writeFileSync(journeyTestSchemaFilePath, renderJourneyTestSchemaFile());
console.log(`wrote ${journeyTestSchemaFilePath}`);
