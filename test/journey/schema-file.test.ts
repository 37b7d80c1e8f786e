import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { journeySchema } from '../../engine/journey/journey-schema.js';
import { journeySchemaFilePath, renderJourneySchemaFile } from '../../engine/journey/schema-file.js';
import { createAjv } from '../../engine/journey/schema-validator.js';

const committedPath = fileURLToPath(new URL('../../engine/journey.schema.json', import.meta.url));
const journeysDir = fileURLToPath(new URL('../../journeys/', import.meta.url));

describe('engine/journey.schema.json', () => {
  it('is the file the generator writes', () => {
    expect(journeySchemaFilePath).toBe(committedPath);
  });

  it('equals renderJourneySchemaFile() byte for byte (run `npm run generate:schema` when this fails)', () => {
    expect(readFileSync(committedPath, 'utf8')).toBe(renderJourneySchemaFile());
  });

  it('renders the TypeScript schema as formatted JSON ending with a newline', () => {
    const rendered = renderJourneySchemaFile();
    expect(rendered.endsWith('}\n')).toBe(true);
    expect(JSON.parse(rendered)).toEqual(journeySchema);
  });
});

describe('the journey schema', () => {
  it('is a valid draft 2020-12 schema', () => {
    const ajv = createAjv();
    expect(journeySchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(ajv.validateSchema(journeySchema)).toBe(true);
    expect(ajv.errors ?? null).toBeNull();
  });

  it('compiles with ajv 2020, from the source and from the committed file', () => {
    expect(() => createAjv().compile(journeySchema)).not.toThrow();
    expect(() => createAjv().compile(JSON.parse(readFileSync(committedPath, 'utf8')))).not.toThrow();
  });

  it('accepts a minimal journey and refuses one without steps or with a bad id', () => {
    const validate = createAjv().compile(journeySchema);
    expect(validate({ id: 'j', start: 'a', steps: { a: { type: 'complete' } } })).toBe(true);
    expect(validate({ id: 'j', start: 'a', steps: {} })).toBe(false);
    expect(validate({ id: 'j', start: 'a' })).toBe(false);
    expect(validate({ id: 'J!', start: 'a', steps: { a: { type: 'complete' } } })).toBe(false);
    expect(validate({ id: 'j', start: 'a', steps: { '9a': { type: 'complete' } } })).toBe(false);
    expect(validate({ id: 'j', start: 'a', steps: { a: { type: 'complete', extra: true } } })).toBe(false);
  });

  it('accepts every sample journey in journeys/', () => {
    const validate = createAjv().compile(journeySchema);
    const files = readdirSync(journeysDir).filter((f) => f.endsWith('.json') && !f.endsWith('.test.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const document = JSON.parse(readFileSync(journeysDir + file, 'utf8'));
      expect({ file, valid: validate(document), errors: validate.errors ?? null }).toEqual({ file, valid: true, errors: null });
      expect(document.$schema).toBe('../engine/journey.schema.json');
    }
  });
});
