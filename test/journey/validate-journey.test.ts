import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JourneyValidator, type Diagnostic, type DiagnosticCode, type ValidationResult } from '../../engine/journey/validate-journey.js';
import { defineStep } from '../../engine/steps/define-step.js';
import { StepRegistry } from '../../engine/steps/registry.js';
import { builtInSteps } from '../../steps/index.js';

const validator = new JourneyValidator(new StepRegistry().register(...builtInSteps));

type Doc = Record<string, any>;

/** Validates and checks the invariant of the contract: `valid` is false exactly when an error is reported. */
function validate(document: unknown, using: JourneyValidator = validator): ValidationResult {
  const result = using.validate(document);
  expect(result.valid).toBe(!result.diagnostics.some((d) => d.severity === 'error'));
  for (const d of result.diagnostics) {
    expect(['error', 'warning']).toContain(d.severity);
    expect(typeof d.message).toBe('string');
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.path === '' || d.path.startsWith('/')).toBe(true);
  }
  return result;
}

const withCode = (result: ValidationResult, code: DiagnosticCode): Diagnostic[] => result.diagnostics.filter((d) => d.code === code);
const errors = (result: ValidationResult): Diagnostic[] => result.diagnostics.filter((d) => d.severity === 'error');
const shape = (d: Diagnostic) => ({ severity: d.severity, code: d.code, path: d.path, ...(d.stepId !== undefined ? { stepId: d.stepId } : {}) });

/** A journey starting at `a`. */
const journey = (steps: Doc, extra: Doc = {}): Doc => ({ id: 'test-journey', start: 'a', steps, ...extra });

const complete = { type: 'complete' };
const reject = (code = 'nope') => ({ type: 'reject', config: { code, message: 'No' } });
const setVars = (next: string, assign: Doc = { x: 1 }) => ({ type: 'set-variables', config: { assign }, branches: { next } });
const form = (branches: Doc, options: Doc[] = Object.keys(branches).map((id) => ({ id, label: id }))) => ({
  type: 'form',
  config: { outputVariable: 'answer', options },
  branches,
});

/** The spec's example document, with core steps only (a condition stands in for totp.authenticate). */
function coreLogin(): Doc {
  return {
    $schema: '../engine/journey.schema.json',
    id: 'login-core',
    name: 'Sign in',
    description: 'Username and code, three tries, then reject.',
    start: 'init',
    settings: { public: true, sessionTtlSeconds: 900 },
    steps: {
      init: { type: 'set-variables', config: { assign: { tries: 0 } }, branches: { next: 'login' } },
      login: {
        type: 'form',
        name: 'Login form',
        config: {
          outputVariable: 'loginData',
          title: 'Sign in',
          options: [
            {
              id: 'totp',
              label: 'Sign in',
              schema: {
                type: 'object',
                required: ['username', 'totp_code'],
                properties: {
                  username: { type: 'string', minLength: 1, title: 'Username' },
                  totp_code: { type: 'string', pattern: '^[0-9]{6}$', title: 'Code' },
                },
              },
            },
            { id: 'cancel', label: 'Cancel' },
          ],
        },
        branches: { totp: 'auth', cancel: 'cancelled' },
      },
      auth: {
        type: 'condition',
        name: 'Check the code',
        config: { expression: "{% loginData.totp_code = '123456' %}" },
        errorOutputVariable: 'authError',
        branches: { true: 'done', false: 'count', failure: 'count' },
      },
      count: { type: 'set-variables', config: { assign: { tries: '{% tries + 1 %}' } }, branches: { next: 'again' } },
      again: { type: 'condition', config: { expression: '{% tries < 3 %}' }, branches: { true: 'login', false: 'tooMany' } },
      done: { type: 'complete', config: { claims: { username: '{% loginData.username %}' } } },
      tooMany: { type: 'reject', config: { code: 'too_many_attempts', message: 'Too many attempts' } },
      cancelled: { type: 'reject', config: { code: 'cancelled', message: 'Sign-in cancelled' } },
    },
    layout: { login: { x: 0, y: 0 }, auth: { x: 260, y: 0 } },
  };
}

/** The spec's `login-totp` document, verbatim. */
function specLoginTotp(): Doc {
  return JSON.parse(`{
  "$schema": "../engine/journey.schema.json",
  "id": "login-totp",
  "name": "Sign in with an authenticator app",
  "description": "Username and TOTP code, three tries, then reject.",
  "start": "init",
  "settings": { "public": true, "sessionTtlSeconds": 900 },
  "steps": {
    "init": { "type": "set-variables", "config": { "assign": { "tries": 0 } }, "branches": { "next": "login" } },
    "login": {
      "type": "form",
      "name": "Login form",
      "config": {
        "outputVariable": "loginData",
        "title": "Sign in",
        "options": [
          { "id": "totp", "label": "Sign in",
            "schema": { "type": "object", "required": ["username", "totp_code"],
                        "properties": { "username": { "type": "string", "minLength": 1, "title": "Username" },
                                        "totp_code": { "type": "string", "pattern": "^[0-9]{6}$", "title": "Code" } } } },
          { "id": "cancel", "label": "Cancel" }
        ]
      },
      "branches": { "totp": "auth", "cancel": "cancelled" }
    },
    "auth": {
      "type": "totp.authenticate",
      "name": "Check the code",
      "config": { "username": "{% loginData.username %}", "code": "{% loginData.totp_code %}" },
      "errorOutputVariable": "authError",
      "branches": { "success": "done", "failure": "count" }
    },
    "count": { "type": "set-variables", "config": { "assign": { "tries": "{% tries + 1 %}" } }, "branches": { "next": "again" } },
    "again": { "type": "condition", "config": { "expression": "{% tries < 3 %}" }, "branches": { "true": "login", "false": "tooMany" } },
    "done": { "type": "complete", "config": { "claims": { "username": "{% $user.username %}" } } },
    "tooMany": { "type": "reject", "config": { "code": "too_many_attempts", "message": "Too many attempts" } },
    "cancelled": { "type": "reject", "config": { "code": "cancelled", "message": "Sign-in cancelled" } }
  },
  "layout": { "login": { "x": 0, "y": 0 }, "auth": { "x": 260, "y": 0 } }
}`);
}

describe('a valid journey', () => {
  it('the spec example with core steps only is valid with no diagnostics at all', () => {
    const result = validate(coreLogin());
    expect(result).toEqual({ valid: true, diagnostics: [] });
  });

  it('the sample journeys/sign-up.json is valid with no diagnostics', () => {
    const document = JSON.parse(readFileSync(new URL('../../journeys/sign-up.json', import.meta.url), 'utf8'));
    expect(validate(document)).toEqual({ valid: true, diagnostics: [] });
  });

  it('validating does not modify the document', () => {
    const document = coreLogin();
    const copy = structuredClone(document);
    validate(document);
    expect(document).toEqual(copy);
  });

  it('validating the same document twice gives the same result', () => {
    expect(validate(coreLogin())).toEqual(validate(coreLogin()));
  });
});

describe('invalid_document', () => {
  it('a journey id that does not match the pattern is reported at /id', () => {
    const result = validate(journey({ a: complete }, { id: 'Bad Id' }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'invalid_document', path: '/id' }]);
  });

  it('a missing required field is reported at the pointer of that field', () => {
    const { start: _start, ...document } = journey({ a: complete });
    const result = validate(document);
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'invalid_document', path: '/start' }]);
    expect(result.diagnostics[0].stepId).toBeUndefined();
  });

  it('a missing steps object is reported at /steps', () => {
    const result = validate({ id: 'test-journey', start: 'a' });
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'invalid_document', path: '/steps' }]);
  });

  it('a document that is not an object is reported at the root pointer ""', () => {
    for (const document of [42, null, 'journey', []]) {
      const result = validate(document);
      expect(result.valid).toBe(false);
      expect(result.diagnostics.length).toBeGreaterThan(0);
      expect(result.diagnostics.every((d) => d.code === 'invalid_document' && d.path === '')).toBe(true);
    }
  });

  it('an unknown property of a step is reported at that property', () => {
    const result = validate(journey({ a: { ...reject(), colour: 'red' } }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'invalid_document', path: '/steps/a/colour' }]);
  });

  it('an unknown top-level property is reported at that property', () => {
    const result = validate(journey({ a: complete }, { version: 2 }));
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'invalid_document', path: '/version' }]);
  });

  it('a wrong onFailure value is reported at /steps/<id>/onFailure', () => {
    const result = validate(journey({ a: { ...reject(), onFailure: 'retry' } }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'invalid_document', path: '/steps/a/onFailure' }]);
  });

  it('an errorOutputVariable naming a prototype key is refused', () => {
    const result = validate(journey({ a: { ...reject(), errorOutputVariable: '__proto__' } }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'invalid_document', path: '/steps/a/errorOutputVariable' }]);
  });

  it('a bad step id is reported at the pointer of that step', () => {
    const result = validate(journey({ a: complete, '1bad': reject() }));
    expect(result.valid).toBe(false);
    const documentErrors = withCode(result, 'invalid_document');
    expect(documentErrors.length).toBeGreaterThan(0);
    expect(documentErrors.map((d) => d.path)).toContain('/steps/1bad');
  });

  it('an input schema that is not a valid JSON Schema is reported at /input', () => {
    const result = validate(journey({ a: complete }, { input: { type: 12 } }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'invalid_document', path: '/input' }]);
  });

  it('a valid input schema is accepted', () => {
    const result = validate(journey({ a: complete }, { input: { type: 'object', properties: { ip: { type: 'string' } } } }));
    expect(result).toEqual({ valid: true, diagnostics: [] });
  });
});

describe('missing_start', () => {
  it('a start naming no step is an error at /start without stepId', () => {
    const result = validate({ id: 'test-journey', start: 'nowhere', steps: { a: complete } });
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'missing_start', path: '/start' }]);
    expect(result.diagnostics[0].stepId).toBeUndefined();
  });

  it('a start naming an inherited Object property is still missing', () => {
    const result = validate({ id: 'test-journey', start: 'toString', steps: { a: complete } });
    expect(withCode(result, 'missing_start').map(shape)).toEqual([{ severity: 'error', code: 'missing_start', path: '/start' }]);
    expect(result.valid).toBe(false);
  });
});

describe('unknown_step_type', () => {
  it('a type that is not registered is an error at /steps/<id>/type with stepId', () => {
    const result = validate(journey({ a: { type: 'no.such-step', config: { anything: 1 }, branches: { whatever: 'b' } }, b: complete }));
    expect(result.valid).toBe(false);
    // Neither its config nor its branch names can be judged, and it may be a terminal or wait.
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'unknown_step_type', path: '/steps/a/type', stepId: 'a' }]);
  });

  it('the spec login-totp document with a registry lacking totp.authenticate reports only unknown_step_type at /steps/auth/type', () => {
    const registry = new StepRegistry().register(...builtInSteps.filter((d) => d.type !== 'totp.authenticate'));
    expect(registry.has('totp.authenticate')).toBe(false);
    const result = validate(specLoginTotp(), new JourneyValidator(registry));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'unknown_step_type', path: '/steps/auth/type', stepId: 'auth' }]);
  });

  it('the spec login-totp document is valid with the built-in steps (totp.authenticate included)', () => {
    const registry = new StepRegistry().register(...builtInSteps);
    const result = validate(specLoginTotp(), new JourneyValidator(registry));
    expect(result).toEqual({ valid: true, diagnostics: [] });
  });
});

describe('invalid_config', () => {
  it('a literal of the wrong type is reported at /steps/<id>/config/<field>', () => {
    const result = validate(journey({ a: { type: 'condition', config: { expression: 'yes' }, branches: { true: 'b', false: 'b' } }, b: complete }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([
      { severity: 'error', code: 'invalid_config', path: '/steps/a/config/expression', stepId: 'a' },
    ]);
  });

  it('a field holding a {% %} expression is not judged by its literal type', () => {
    const result = validate(journey({ a: { type: 'condition', config: { expression: '{% $input.x > 1 %}' }, branches: { true: 'b', false: 'b' } }, b: complete }));
    expect(result).toEqual({ valid: true, diagnostics: [] });
  });

  it('an object field holding an expression is not judged by its literal type either', () => {
    const result = validate(journey({ a: { type: 'complete', config: { claims: '{% { "sub": $user.id } %}' } } }));
    expect(result).toEqual({ valid: true, diagnostics: [] });
  });

  it('a string merely containing {% %} is a literal, so a wrong type is reported', () => {
    const result = validate(journey({ a: { type: 'condition', config: { expression: 'x {% y %}' }, branches: { true: 'b', false: 'b' } }, b: complete }));
    expect(result.diagnostics.map(shape)).toEqual([
      { severity: 'error', code: 'invalid_config', path: '/steps/a/config/expression', stepId: 'a' },
    ]);
  });

  it('an unknown config key is reported at that key', () => {
    const result = validate(journey({ a: { type: 'condition', config: { expression: true, colour: 'red' }, branches: { true: 'b', false: 'b' } }, b: complete }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'invalid_config', path: '/steps/a/config/colour', stepId: 'a' }]);
  });

  it('a missing required key is reported at that key, also when config is absent', () => {
    for (const step of [{ type: 'reject', config: {} }, { type: 'reject' }]) {
      const result = validate(journey({ a: step }));
      expect(result.valid).toBe(false);
      expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'invalid_config', path: '/steps/a/config/code', stepId: 'a' }]);
    }
  });

  it('one diagnostic per schema error', () => {
    const result = validate(journey({ a: { type: 'reject', config: { code: 5, colour: 'red' } } }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual(
      expect.arrayContaining([
        { severity: 'error', code: 'invalid_config', path: '/steps/a/config/code', stepId: 'a' },
        { severity: 'error', code: 'invalid_config', path: '/steps/a/config/colour', stepId: 'a' },
      ]),
    );
    expect(result.diagnostics).toHaveLength(2);
  });

  it('an expression inside an array item is exempt, a literal beside it is not', () => {
    const result = validate(
      journey({
        a: {
          type: 'switch',
          config: { cases: [{ id: 'big', when: '{% $input.x > 10 %}' }, { id: 'small', when: 'maybe' }] },
          branches: { big: 'b', small: 'b', default: 'b' },
        },
        b: complete,
      }),
    );
    expect(result.diagnostics.map(shape)).toEqual([
      { severity: 'error', code: 'invalid_config', path: '/steps/a/config/cases/1/when', stepId: 'a' },
    ]);
  });

  it('a form needs at least one option', () => {
    const result = validate(journey({ a: { type: 'form', config: { outputVariable: 'answer', options: [] } }, b: complete }));
    expect(result.valid).toBe(false);
    expect(withCode(result, 'invalid_config').map(shape)).toEqual([
      { severity: 'error', code: 'invalid_config', path: '/steps/a/config/options', stepId: 'a' },
    ]);
  });

  it('a form option id "failure" is refused at its id', () => {
    const result = validate(journey({ a: form({ failure: 'b' }), b: complete }));
    expect(result.valid).toBe(false);
    expect(withCode(result, 'invalid_config').map(shape)).toEqual([
      { severity: 'error', code: 'invalid_config', path: '/steps/a/config/options/0/id', stepId: 'a' },
    ]);
  });

  it('a form option id "default" is refused at its id', () => {
    const result = validate(journey({ a: form({ ok: 'b', default: 'b' }), b: complete }));
    expect(result.valid).toBe(false);
    expect(withCode(result, 'invalid_config').map(shape)).toEqual([
      { severity: 'error', code: 'invalid_config', path: '/steps/a/config/options/1/id', stepId: 'a' },
    ]);
  });

  it('a switch case id "default" is refused', () => {
    const result = validate(
      journey({ a: { type: 'switch', config: { cases: [{ id: 'default', when: true }] }, branches: { default: 'b' } }, b: complete }),
    );
    expect(result.valid).toBe(false);
    expect(withCode(result, 'invalid_config').map(shape)).toContainEqual({
      severity: 'error',
      code: 'invalid_config',
      path: '/steps/a/config/cases/0/id',
      stepId: 'a',
    });
  });

  it('duplicate form option ids are refused', () => {
    const result = validate(journey({ a: form({ go: 'b' }, [{ id: 'go', label: 'Go' }, { id: 'go', label: 'Go again' }]), b: complete }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'invalid_config', path: '/steps/a/config/options/1/id', stepId: 'a' }]);
    expect(result.diagnostics[0].message).toContain('"go"');
  });

  it('distinct form option ids are not reported as duplicates', () => {
    const result = validate(journey({ a: form({ go: 'b', stop: 'b' }), b: complete }));
    expect(result).toEqual({ valid: true, diagnostics: [] });
  });

  it('an option schema that is not a valid JSON Schema is refused at /steps/<id>/config/options/<n>/schema', () => {
    const result = validate(
      journey({ a: form({ ok: 'b', go: 'b' }, [{ id: 'ok' }, { id: 'go', schema: { type: 12 } }]), b: complete }),
    );
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([
      { severity: 'error', code: 'invalid_config', path: '/steps/a/config/options/1/schema', stepId: 'a' },
    ]);
  });

  it('a valid option schema is accepted', () => {
    const result = validate(
      journey({ a: form({ go: 'b' }, [{ id: 'go', schema: { type: 'object', properties: { n: { type: 'integer', minimum: 1 } } } }]), b: complete }),
    );
    expect(result).toEqual({ valid: true, diagnostics: [] });
  });

  it('an option schema carrying an $id is accepted every time the journey is validated', () => {
    const document = () =>
      journey({ a: form({ go: 'b' }, [{ id: 'go', schema: { $id: 'https://example.test/go-option', type: 'object' } }]), b: complete });
    // Saving validates, publishing validates again with the same validator: both must agree.
    expect(validate(document())).toEqual({ valid: true, diagnostics: [] });
    expect(validate(document())).toEqual({ valid: true, diagnostics: [] });
  });

  it('an input schema carrying an $id is accepted every time the journey is validated', () => {
    const document = () => journey({ a: complete }, { input: { $id: 'https://example.test/start-input', type: 'object' } });
    expect(validate(document())).toEqual({ valid: true, diagnostics: [] });
    expect(validate(document())).toEqual({ valid: true, diagnostics: [] });
  });

  it('a set-variables name that is a prototype key is refused', () => {
    const result = validate(journey({ a: setVars('b', { constructor: 1 }), b: complete }));
    expect(result.valid).toBe(false);
    const found = withCode(result, 'invalid_config');
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((d) => d.stepId === 'a' && d.path.startsWith('/steps/a/config/assign'))).toBe(true);
  });
});

describe('expression_syntax', () => {
  it('an expression that does not compile is an error at its config path', () => {
    const result = validate(journey({ a: setVars('b', { x: '{% 1 + %}' }), b: complete }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([
      { severity: 'error', code: 'expression_syntax', path: '/steps/a/config/assign/x', stepId: 'a' },
    ]);
  });

  it('an expression nested in an array is reported at its array index', () => {
    const result = validate(
      journey({ a: { type: 'switch', config: { cases: [{ id: 'one', when: true }, { id: 'two', when: '{% (x %}' }] }, branches: { one: 'b', two: 'b', default: 'b' } }, b: complete }),
    );
    expect(result.diagnostics.map(shape)).toEqual([
      { severity: 'error', code: 'expression_syntax', path: '/steps/a/config/cases/1/when', stepId: 'a' },
    ]);
  });

  it.each([
    ['__proto__ as a name', '{% __proto__ %}'],
    ['__proto__ as a path step', '{% $user.__proto__ %}'],
    ['constructor as a path step', '{% loginData.constructor %}'],
    ['constructor as a quoted name', '{% loginData.`constructor` %}'],
    ['constructor through $lookup', '{% $lookup(loginData, "constructor") %}'],
    ['prototype', '{% x.prototype %}'],
  ])('%s is refused as expression_syntax', (_label, source) => {
    const result = validate(journey({ a: { type: 'condition', config: { expression: source }, branches: { true: 'b', false: 'b' } }, b: complete }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([
      { severity: 'error', code: 'expression_syntax', path: '/steps/a/config/expression', stepId: 'a' },
    ]);
  });

  it('names that merely contain "constructor" are allowed', () => {
    const result = validate(journey({ a: setVars('b', { x: '{% $input.constructorName & "/" & $input.myprototype %}' }), b: complete }));
    expect(result).toEqual({ valid: true, diagnostics: [] });
  });

  it('expressions in a step of an unknown type are still compiled', () => {
    const result = validate(journey({ a: { type: 'no.such-step', config: { v: '{% ) %}' } }, b: complete }));
    expect(result.diagnostics.map(shape)).toEqual(
      expect.arrayContaining([
        { severity: 'error', code: 'unknown_step_type', path: '/steps/a/type', stepId: 'a' },
        { severity: 'error', code: 'expression_syntax', path: '/steps/a/config/v', stepId: 'a' },
      ]),
    );
  });
});

describe('missing_target', () => {
  it('a branch to a step that does not exist is an error at /steps/<id>/branches/<branch>', () => {
    const result = validate(journey({ a: { type: 'condition', config: { expression: true }, branches: { true: 'b', false: 'ghost' } }, b: complete }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([
      { severity: 'error', code: 'missing_target', path: '/steps/a/branches/false', stepId: 'a' },
    ]);
  });

  it('a failure branch to a missing step is reported too', () => {
    const result = validate(journey({ a: { ...setVars('b'), branches: { next: 'b', failure: 'ghost' } }, b: complete }));
    expect(result.diagnostics.map(shape)).toEqual([
      { severity: 'error', code: 'missing_target', path: '/steps/a/branches/failure', stepId: 'a' },
    ]);
  });

  it('a target naming an inherited Object property is missing', () => {
    const result = validate(journey({ a: { ...setVars('b'), branches: { next: 'b', failure: 'hasOwnProperty' } }, b: complete }));
    expect(withCode(result, 'missing_target').map(shape)).toEqual([
      { severity: 'error', code: 'missing_target', path: '/steps/a/branches/failure', stepId: 'a' },
    ]);
  });
});

describe('unknown_branch', () => {
  it('a branch name the type does not declare is an error at that branch', () => {
    const result = validate(journey({ a: { ...setVars('b'), branches: { next: 'b', sideways: 'b' } }, b: complete }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([
      { severity: 'error', code: 'unknown_branch', path: '/steps/a/branches/sideways', stepId: 'a' },
    ]);
  });

  it('failure is implicit on every step and never an unknown branch', () => {
    const result = validate(journey({ a: { ...setVars('b'), branches: { next: 'b', failure: 'c' } }, b: complete, c: reject() }));
    expect(result).toEqual({ valid: true, diagnostics: [] });
  });

  it('a terminal step declares no branches', () => {
    const result = validate(journey({ a: { type: 'complete', branches: { next: 'b' } }, b: reject() }));
    expect(withCode(result, 'unknown_branch').map(shape)).toEqual([
      { severity: 'error', code: 'unknown_branch', path: '/steps/a/branches/next', stepId: 'a' },
    ]);
    expect(result.valid).toBe(false);
  });

  it('form branches come from its option ids', () => {
    const result = validate(journey({ a: form({ go: 'b', stop: 'b' }, [{ id: 'go' }]), b: complete }));
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'unknown_branch', path: '/steps/a/branches/stop', stepId: 'a' }]);
  });

  it('switch declares its case ids and default', () => {
    const result = validate(
      journey({ a: { type: 'switch', config: { cases: [{ id: 'one', when: true }] }, branches: { one: 'b', default: 'b', two: 'b' } }, b: complete }),
    );
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'unknown_branch', path: '/steps/a/branches/two', stepId: 'a' }]);
  });
});

describe('no_terminal', () => {
  it('no complete or reject reachable from start is an error at /start', () => {
    const result = validate(journey({ a: form({ again: 'a' }), b: complete }));
    expect(result.valid).toBe(false);
    expect(withCode(result, 'no_terminal').map(shape)).toEqual([{ severity: 'error', code: 'no_terminal', path: '/start' }]);
    expect(withCode(result, 'no_terminal')[0].stepId).toBeUndefined();
    expect(withCode(result, 'unreachable_step').map(shape)).toEqual([
      { severity: 'warning', code: 'unreachable_step', path: '/steps/b', stepId: 'b' },
    ]);
  });

  it('a terminal reached only through a failure branch counts', () => {
    const result = validate(journey({ a: { ...form({ again: 'a' }), branches: { again: 'a', failure: 'b' } }, b: reject() }));
    expect(withCode(result, 'no_terminal')).toEqual([]);
    expect(result).toEqual({ valid: true, diagnostics: [] });
  });

  it('is not reported when an unknown step type is reachable (it may end the session)', () => {
    const result = validate(journey({ a: { type: 'custom.end' } }));
    expect(withCode(result, 'no_terminal')).toEqual([]);
    expect(errors(result).map(shape)).toEqual([{ severity: 'error', code: 'unknown_step_type', path: '/steps/a/type', stepId: 'a' }]);
  });
});

describe('busy_loop', () => {
  it('a loop of set-variables and condition steps is an error at its first step (sorted by id)', () => {
    const result = validate(
      journey({
        a: setVars('c'),
        c: { type: 'condition', config: { expression: '{% $input.x > 1 %}' }, branches: { true: 'b', false: 'a' } },
        b: complete,
      }),
    );
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'busy_loop', path: '/steps/a', stepId: 'a' }]);
    expect(result.diagnostics[0].message).toContain('"a"');
    expect(result.diagnostics[0].message).toContain('"c"');
  });

  it('the reported step is the smallest id of the loop, not the first visited', () => {
    const result = validate(
      journey({
        a: setVars('zeta'),
        zeta: setVars('mid'),
        mid: { type: 'condition', config: { expression: '{% $input.x > 1 %}' }, branches: { true: 'end', false: 'zeta' } },
        end: complete,
      }),
    );
    expect(withCode(result, 'busy_loop').map(shape)).toEqual([{ severity: 'error', code: 'busy_loop', path: '/steps/mid', stepId: 'mid' }]);
  });

  it('a non-interactive step branching to itself is a busy loop', () => {
    const result = validate(journey({ a: { ...setVars('a'), branches: { next: 'a', failure: 'b' } }, b: complete }));
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'busy_loop', path: '/steps/a', stepId: 'a' }]);
  });

  it('a loop through a failure branch is a busy loop too', () => {
    const result = validate(
      journey({
        a: { type: 'http.request', config: { url: 'https://example.test' }, branches: { success: 'b', failure: 'a' } },
        b: complete,
      }),
    );
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'error', code: 'busy_loop', path: '/steps/a', stepId: 'a' }]);
  });

  it('a loop through a form (interactive) is not a busy loop', () => {
    const result = validate(
      journey({
        a: setVars('f'),
        f: form({ retry: 'a', stop: 'b' }),
        b: complete,
      }),
    );
    expect(withCode(result, 'busy_loop')).toEqual([]);
    expect(result).toEqual({ valid: true, diagnostics: [] });
  });

  it('a loop through a display step (interactive) is not a busy loop', () => {
    const result = validate(
      journey({
        a: { type: 'condition', config: { expression: '{% $input.x %}' }, branches: { true: 'b', false: 'd' } },
        d: { type: 'display', config: { text: 'Try again' }, branches: { next: 'a' } },
        b: complete,
      }),
    );
    expect(result).toEqual({ valid: true, diagnostics: [] });
  });

  it('the spec example loop (init, login, auth, count, again) is not a busy loop', () => {
    expect(withCode(validate(coreLogin()), 'busy_loop')).toEqual([]);
  });

  it('two separate busy loops are both reported', () => {
    const result = validate(
      journey({
        a: { type: 'condition', config: { expression: '{% $input.x %}' }, branches: { true: 'p', false: 'x' } },
        p: setVars('q'),
        q: { type: 'condition', config: { expression: '{% $input.x %}' }, branches: { true: 'p', false: 'end' } },
        x: setVars('y'),
        y: { type: 'condition', config: { expression: '{% $input.x %}' }, branches: { true: 'x', false: 'end' } },
        end: complete,
      }),
    );
    expect(withCode(result, 'busy_loop').map(shape)).toEqual(
      expect.arrayContaining([
        { severity: 'error', code: 'busy_loop', path: '/steps/p', stepId: 'p' },
        { severity: 'error', code: 'busy_loop', path: '/steps/x', stepId: 'x' },
      ]),
    );
    expect(withCode(result, 'busy_loop')).toHaveLength(2);
  });
});

describe('unwired_branch', () => {
  it('a declared branch without a target is a warning; the journey stays valid', () => {
    const result = validate(journey({ a: { type: 'condition', config: { expression: true }, branches: { true: 'b' } }, b: complete }));
    expect(result.valid).toBe(true);
    expect(result.diagnostics.map(shape)).toEqual([
      { severity: 'warning', code: 'unwired_branch', path: '/steps/a/branches/false', stepId: 'a' },
    ]);
  });

  it('the implicit failure branch is never reported as unwired', () => {
    const result = validate(journey({ a: setVars('b'), b: complete }));
    expect(result).toEqual({ valid: true, diagnostics: [] });
  });

  it('the switch default branch is reported when unwired', () => {
    const result = validate(journey({ a: { type: 'switch', config: { cases: [{ id: 'one', when: true }] }, branches: { one: 'b' } }, b: complete }));
    expect(result.valid).toBe(true);
    expect(result.diagnostics.map(shape)).toEqual([
      { severity: 'warning', code: 'unwired_branch', path: '/steps/a/branches/default', stepId: 'a' },
    ]);
  });

  it('a step without a branches object reports each declared branch', () => {
    const result = validate(journey({ a: { type: 'condition', config: { expression: true } }, b: complete }));
    expect(withCode(result, 'unwired_branch').map(shape)).toEqual([
      { severity: 'warning', code: 'unwired_branch', path: '/steps/a/branches/true', stepId: 'a' },
      { severity: 'warning', code: 'unwired_branch', path: '/steps/a/branches/false', stepId: 'a' },
    ]);
  });

  it('a form option named "failure" gives invalid_config, not an unwired_branch warning for failure', () => {
    const result = validate(journey({ a: form({ ok: 'b' }, [{ id: 'ok' }, { id: 'failure' }]), b: complete }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.filter((d) => d.code === 'unwired_branch' && d.path === '/steps/a/branches/failure')).toEqual([]);
  });
});

describe('unreachable_step', () => {
  it('a step not reachable from start is a warning at /steps/<id>; the journey stays valid', () => {
    const result = validate(journey({ a: complete, orphan: reject() }));
    expect(result.valid).toBe(true);
    expect(result.diagnostics.map(shape)).toEqual([{ severity: 'warning', code: 'unreachable_step', path: '/steps/orphan', stepId: 'orphan' }]);
  });

  it('a step reached only from an unreachable step is unreachable too; a step reached only by failure is reachable', () => {
    const result = validate(
      journey({
        a: { ...setVars('b'), branches: { next: 'b', failure: 'viaFailure' } },
        b: complete,
        viaFailure: reject(),
        orphan: setVars('orphanChild'),
        orphanChild: reject(),
      }),
    );
    expect(result.valid).toBe(true);
    expect(result.diagnostics.map(shape)).toEqual(
      expect.arrayContaining([
        { severity: 'warning', code: 'unreachable_step', path: '/steps/orphan', stepId: 'orphan' },
        { severity: 'warning', code: 'unreachable_step', path: '/steps/orphanChild', stepId: 'orphanChild' },
      ]),
    );
    expect(result.diagnostics).toHaveLength(2);
  });

  it('an unreachable busy loop is still an error', () => {
    const result = validate(journey({ a: complete, x: setVars('y'), y: setVars('x') }));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map(shape)).toEqual(
      expect.arrayContaining([
        { severity: 'warning', code: 'unreachable_step', path: '/steps/x', stepId: 'x' },
        { severity: 'warning', code: 'unreachable_step', path: '/steps/y', stepId: 'y' },
        { severity: 'error', code: 'busy_loop', path: '/steps/x', stepId: 'x' },
      ]),
    );
    expect(result.diagnostics).toHaveLength(3);
  });
});

describe('large journeys', () => {
  it('a 10,000-step chain validates without overflowing the stack', () => {
    const steps: Doc = {};
    for (let i = 0; i < 9_999; i++) steps[`s${i}`] = setVars(`s${i + 1}`);
    steps.s9999 = complete;
    const result = validate({ id: 'long', start: 's0', steps });
    expect(result).toEqual({ valid: true, diagnostics: [] });
  });

  it('a 10,000-step busy cycle is reported once', () => {
    const steps: Doc = {};
    for (let i = 0; i < 10_000; i++) steps[`s${i}`] = { ...setVars(`s${(i + 1) % 10_000}`), branches: { next: `s${(i + 1) % 10_000}`, failure: 'end' } };
    steps.end = complete;
    const result = validate({ id: 'long', start: 's0', steps });
    expect(result.valid).toBe(false);
    expect(withCode(result, 'busy_loop').map(shape)).toEqual([{ severity: 'error', code: 'busy_loop', path: '/steps/s0', stepId: 's0' }]);
  });
});
