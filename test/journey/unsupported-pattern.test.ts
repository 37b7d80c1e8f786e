/**
 * `unsupported_pattern` (journeys.md, "Diagnostics"): a pattern RE2 cannot run (backreference,
 * lookaround) in an option or input schema, or a JSONata regex literal, is an error at validation
 * and publishing, pointing at the pattern, not a surprise when the step runs.
 */
import { describe, expect, it } from 'vitest';
import { JourneyValidator, type Diagnostic } from '../../engine/journey/validate-journey.js';
import { StepRegistry } from '../../engine/steps/registry.js';
import { builtInSteps } from '../../steps/index.js';

const validator = new JourneyValidator(new StepRegistry().register(...builtInSteps));
type Doc = Record<string, any>;

const BACKREFERENCE = '(a)\\1';

/** A public journey: a form whose option `go` carries `schema`, then complete. */
function formJourney(schema: Doc, extra: Doc = {}): Doc {
  return {
    id: 'patterns',
    start: 'ask',
    ...extra,
    steps: {
      ask: { type: 'form', config: { outputVariable: 'answer', options: [{ id: 'go', schema }] }, branches: { go: 'done' } },
      done: { type: 'complete' },
    },
  };
}

function expressionJourney(expression: string): Doc {
  return {
    id: 'patterns',
    start: 'compute',
    steps: {
      compute: { type: 'set-variables', config: { assign: { x: expression } }, branches: { next: 'done' } },
      done: { type: 'complete' },
    },
  };
}

const unsupported = (document: Doc): Diagnostic[] => validator.validate(document).diagnostics.filter((d) => d.code === 'unsupported_pattern');

describe('unsupported_pattern in schemas', () => {
  it('a backreference in an option schema pattern is an error at the pattern', () => {
    const result = validator.validate(formJourney({ type: 'object', properties: { code: { type: 'string', pattern: BACKREFERENCE } } }));
    expect(result.valid).toBe(false);
    const found = result.diagnostics.filter((d) => d.code === 'unsupported_pattern');
    expect(found).toEqual([
      {
        severity: 'error',
        code: 'unsupported_pattern',
        message: expect.stringMatching(/backreference/),
        path: '/steps/ask/config/options/0/schema/properties/code/pattern',
        stepId: 'ask',
      },
    ]);
    // Reported once: not again as an invalid schema.
    expect(result.diagnostics.filter((d) => d.code === 'invalid_config')).toEqual([]);
  });

  it('lookaround in patternProperties keys and nested schemas is found where it is', () => {
    const found = unsupported(
      formJourney({
        type: 'object',
        patternProperties: { '^(?=x)': { type: 'string' } },
        properties: { list: { type: 'array', items: { anyOf: [{ type: 'string', pattern: '(?<!a)b' }] } } },
      }),
    );
    expect(found.map((d) => d.path).sort()).toEqual([
      '/steps/ask/config/options/0/schema/patternProperties/^(?=x)',
      '/steps/ask/config/options/0/schema/properties/list/items/anyOf/0/pattern',
    ]);
    expect(found.map((d) => d.message).join(' ')).toMatch(/lookahead/);
    expect(found.map((d) => d.message).join(' ')).toMatch(/lookbehind/);
  });

  it('a pattern in the journey input schema is checked too', () => {
    const found = unsupported(formJourney({ type: 'object' }, { input: { type: 'object', properties: { x: { type: 'string', pattern: 'a(?!b)' } } } }));
    expect(found).toEqual([expect.objectContaining({ severity: 'error', path: '/input/properties/x/pattern' })]);
    expect(found[0].stepId).toBeUndefined();
  });

  it('"pattern" as data (const, enum, default, a property named pattern) is not a pattern', () => {
    const result = validator.validate(
      formJourney({
        type: 'object',
        properties: {
          pattern: { type: 'string', default: BACKREFERENCE },
          other: { const: { pattern: BACKREFERENCE }, enum: [{ pattern: BACKREFERENCE }], examples: [{ pattern: BACKREFERENCE }] },
        },
      }),
    );
    expect(result.diagnostics.filter((d) => d.code === 'unsupported_pattern')).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('RE2-compatible patterns, including the evil-for-backtracking ones, are accepted', () => {
    const result = validator.validate(formJourney({ type: 'object', properties: { a: { type: 'string', pattern: '^(a+)+$' }, b: { type: 'string', pattern: '^\\p{L}[\\p{L} -]{0,40}$' } } }));
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('a pattern that is no regular expression at all stays invalid_config (not unsupported_pattern)', () => {
    const result = validator.validate(formJourney({ type: 'object', properties: { a: { type: 'string', pattern: '(' } } }));
    expect(result.diagnostics.map((d) => d.code)).toContain('invalid_config');
    expect(result.diagnostics.map((d) => d.code)).not.toContain('unsupported_pattern');
  });
});

describe('unsupported_pattern in expressions', () => {
  it('a $match regex literal with a backreference is an error at the expression', () => {
    const result = validator.validate(expressionJourney(`{% $match("aa", /${BACKREFERENCE}/) %}`));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.filter((d) => d.code === 'unsupported_pattern')).toEqual([
      { severity: 'error', code: 'unsupported_pattern', message: expect.stringMatching(/backreference/), path: '/steps/compute/config/assign/x', stepId: 'compute' },
    ]);
    expect(result.diagnostics.map((d) => d.code)).not.toContain('expression_syntax');
  });

  it('lookahead in $replace, $split or $contains is found too; a plain regex is not', () => {
    for (const expression of ['{% $replace("ab", /a(?=b)/, "") %}', '{% $split("ab", /(?<=a)/) %}', '{% $contains("ab", /a(?!c)/i) %}']) {
      expect(unsupported(expressionJourney(expression)), expression).toHaveLength(1);
    }
    expect(unsupported(expressionJourney('{% $match("aaa", /^(a+)+$/) %}'))).toEqual([]);
  });
});
