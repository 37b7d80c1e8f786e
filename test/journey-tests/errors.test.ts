/**
 * Errors point at the case and the step, with the test file's line and column: a file that is not
 * the format (checked against its JSON Schema), an answer a fake cannot give, a step the journey
 * does not wait at; and the schema file the test files name is the one in code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkTestFile } from '../../testing/run-test-file.js';
import { journeyTestSchemaFilePath, renderJourneyTestSchemaFile } from '../../testing/schema-file.js';
import { journeyCli, lineOf, tempFolder } from './run-cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const journey = JSON.parse(readFileSync(join(root, 'journeys', 'login-totp.json'), 'utf8'));

async function runFile(text: string) {
  const folder = tempFolder({ 'login-totp.json': journey, 'login-totp.test.json': text });
  try {
    const name = join(folder.dir, 'login-totp.test.json');
    return { name, ...(await journeyCli(['test', name])) };
  } finally {
    folder.remove();
  }
}

describe('errors point at the case and the step', () => {
  it('a step without its option: the schema error names case, step, line and column', async () => {
    const text = `{
  "cases": [
    {
      "name": "forgot the option",
      "steps": [
        { "step": "login", "option": "cancel" },
        { "step": "login", "data": {} }
      ],
      "expect": { "status": "rejected" }
    }
  ]
}
`;
    const run = await runFile(text);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${run.name}:${lineOf(text, '"data": {}')}:9: case "forgot the option", step 2: /cases/0/steps/1 must have required property 'option'`);
  });

  it('a misspelt key is named', async () => {
    const run = await runFile(JSON.stringify({ cases: [{ name: 'typo', steps: [], expect: { status: 'completed', claim: {} } }] }));
    expect(run.stdout).toContain('case "typo": /cases/0/expect must NOT have additional properties: "claim"');
  });

  it('a code nobody sent: the failure points at the answer\'s value', async () => {
    const text = `{
  "cases": [
    {
      "name": "no code",
      "steps": [
        { "step": "login", "option": "totp", "data": { "username": "alice", "totp_code": { "$code": "alice@example.com" } } }
      ],
      "expect": { "status": "completed" }
    }
  ]
}
`;
    const run = await runFile(text);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${run.name}:${lineOf(text, '"$code"')}:`);
    expect(run.stdout).toContain('case "no code", step 1: no message was sent to alice@example.com');
  });

  it('a step the journey does not wait at', async () => {
    const text = JSON.stringify({ cases: [{ name: 'wrong step', steps: [{ step: 'enrol', option: 'confirm' }], expect: { status: 'completed' } }] }, null, 2);
    const run = await runFile(text);
    expect(run.stdout).toContain('case "wrong step", step 1: expected to wait at "enrol", but the session waits at "login"');
    expect(run.stdout).toContain('path taken: init → login');
  });

  it('the expectation that failed is named', async () => {
    const run = await runFile(JSON.stringify({ cases: [{ name: 'cancel', steps: [{ step: 'login', option: 'cancel' }], expect: { status: 'rejected', error: 'canceled' } }] }));
    expect(run.stdout).toContain('case "cancel": expected error "canceled", got "cancelled"');
  });
});

describe('the test file schema', () => {
  it('testing/journey-test.schema.json is the schema in code (npm run generate:schema)', () => {
    expect(readFileSync(journeyTestSchemaFilePath, 'utf8')).toBe(renderJourneyTestSchemaFile());
  });

  it('every shipped test file names it in $schema and fits it', () => {
    const files = readdirSync(join(root, 'journeys')).filter((n) => n.endsWith('.test.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const document = JSON.parse(readFileSync(join(root, 'journeys', file), 'utf8'));
      expect({ file, schema: document.$schema, failures: checkTestFile(document).failures }).toEqual({ file, schema: '../testing/journey-test.schema.json', failures: [] });
    }
  });
});
