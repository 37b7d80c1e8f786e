// Writes engine/journey.schema.json from the TypeScript source of truth.
import { writeFileSync } from 'node:fs';
import { journeySchemaFilePath, renderJourneySchemaFile } from '../engine/journey/schema-file.js';

writeFileSync(journeySchemaFilePath, renderJourneySchemaFile());
console.log(`wrote ${journeySchemaFilePath}`);
