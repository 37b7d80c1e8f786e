/**
 * The designer's validation messages (designer/src/designer/model/messages.ts): a sentence for
 * every diagnostic code and every keyword ajv reports, config errors explained by the field's
 * name, and the engine's raw message kept.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from '../../engine/journey/diagnostics.js';
import { createAjv } from '../../engine/journey/schema-validator.js';
import { JourneyValidator } from '../../engine/journey/validate-journey.js';
import { StepRegistry } from '../../engine/steps/registry.js';
import type { StepCatalogueEntry } from '../../engine/http/contract/types.js';
import { builtInSteps } from '../../steps/index.js';
import { AJV_KEYWORD_MESSAGES, createExplainer, DIAGNOSTIC_MESSAGES, explainAjvError } from '../../designer/src/designer/model/messages.js';

const ajvRoot = join(import.meta.dirname, '../../node_modules/ajv/dist/vocabularies');

/** Every keyword ajv's vocabularies can report an error for, read from ajv's own source. */
function ajvErrorKeywords(): string[] {
  const found = new Set<string>(['false schema']);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js')) {
        const source = readFileSync(path, 'utf8');
        if (!/\berror\b\s*[:=]/.test(source)) continue;
        for (const m of source.matchAll(/keyword: (\[[^\]]*\]|"[^"]+")/g)) for (const k of m[1].matchAll(/"([^"]+)"/g)) found.add(k[1]);
        if (/keyword: Object\.keys\(KWDs\)/.test(source)) for (const k of ['maximum', 'minimum', 'exclusiveMaximum', 'exclusiveMinimum']) found.add(k);
      }
    }
  };
  walk(ajvRoot);
  return [...found].sort();
}

describe('validation messages', () => {
  it('has a sentence for every diagnostic code', () => {
    expect(Object.keys(DIAGNOSTIC_MESSAGES).sort()).toEqual([...DIAGNOSTIC_CODES].sort());
    for (const code of DIAGNOSTIC_CODES) {
      const text = DIAGNOSTIC_MESSAGES[code]({ severity: 'error', code, message: 'branch "next" x', path: '' });
      expect(text.length, code).toBeGreaterThan(10);
    }
  });

  it('keeps the names the engine gives', () => {
    const d = (code: string, message: string) => ({ severity: 'error' as const, code: code as never, message, path: '' });
    expect(DIAGNOSTIC_MESSAGES.missing_target(d('missing_target', 'branch "next" points to missing step "gone"'))).toBe('The branch “next” leads to a step “gone” that does not exist');
    expect(DIAGNOSTIC_MESSAGES.unknown_branch(d('unknown_branch', 'step type "display" has no branch "later"'))).toBe('This step never takes the branch “later”: remove its connection');
    expect(DIAGNOSTIC_MESSAGES.unknown_property(d('unknown_property', '"login" has no property "usernme": did you mean "username"?'))).toBe('"login" has no property "usernme": did you mean "username"?');
  });

  it('has a sentence for every keyword ajv reports', () => {
    const keywords = ajvErrorKeywords();
    expect(keywords.length).toBeGreaterThan(30);
    expect(keywords.filter((k) => !AJV_KEYWORD_MESSAGES[k])).toEqual([]);
  });

  it('explains real ajv errors by field name, never by pattern or pointer', () => {
    const cases: Array<[object, unknown, string]> = [
      [{ type: 'object', required: ['outputVariable'], properties: { outputVariable: { type: 'string' } } }, {}, 'Output variable is required'],
      [{ type: 'object', properties: { outputVariable: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' } } }, { outputVariable: '' }, 'Output variable is required'],
      [{ type: 'object', properties: { outputVariable: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' } } }, { outputVariable: '1x' }, 'Output variable: letters, digits and _ only, starting with a letter or _ (up to 64)'],
      [{ type: 'object', properties: { ttl: { type: 'integer', minimum: 30, title: 'Lifetime' } } }, { ttl: 5 }, 'Lifetime must be 30 or more'],
      [{ type: 'object', properties: { to: { type: 'string', format: 'email' } } }, { to: 'nope' }, 'To must be an email address'],
      [{ type: 'object', properties: { options: { type: 'array', minItems: 1 } } }, { options: [] }, 'Options needs at least 1 item'],
      [{ type: 'object', additionalProperties: false }, { colour: 1 }, '“colour” is not a setting of this step; remove it'],
      [{ type: 'object', properties: { v: { type: 'string', not: { enum: ['input'] } } } }, { v: 'input' }, 'V cannot be “input” (reserved)'],
    ];
    const ajv = createAjv();
    for (const [schema, data, expected] of cases) {
      const validate = ajv.compile(schema);
      expect(validate(data)).toBe(false);
      expect(explainAjvError(validate.errors![0], schema as never, data)).toBe(expected);
    }
  });

  it('explains the engine’s own diagnostics of a new form step, keeping the raw message', () => {
    const registry = new StepRegistry();
    for (const step of builtInSteps) registry.register(step);
    const doc = {
      id: 'j',
      name: 'J',
      start: 'form',
      steps: { form: { type: 'form', config: { outputVariable: '', options: [{ id: 'next' }] }, branches: { next: 'done' } }, done: { type: 'complete' } },
    };
    const { diagnostics } = new JourneyValidator(registry).validate(doc);
    const config = diagnostics.find((d) => d.code === 'invalid_config' && d.path === '/steps/form/config/outputVariable');
    expect(config?.message).toMatch(/must match pattern/);
    const explain = createExplainer(new Map(builtInSteps.map((s) => [s.type, s as unknown as StepCatalogueEntry])));
    expect(explain(config!, doc as never)).toEqual({ text: 'Output variable is required', raw: config!.message });
  });
});
