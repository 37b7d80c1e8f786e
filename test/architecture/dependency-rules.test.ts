/**
 * Who may import whom. The rules are data: to fence another room, add a row to RULES (or a pair to
 * SEPARATE) and, when it governs files outside the folders scanned, add that folder to SCANNED.
 */
import { describe, expect, it } from 'vitest';
import { violations, match, type DependencyRule } from './dependency-rules.js';
import { importsOf, typeScriptFiles, type ImportEdge } from './import-graph.js';

const RULES: DependencyRule[] = [
  {
    files: 'steps/<folder>/**',
    mayImport: ['engine/sdk.ts', 'steps/<folder>/**', 'steps/*-common/**', 'steps/shared-schemas.ts'],
    why: 'a step reaches the engine only through engine/sdk.ts, and shares code with other steps only through a *-common folder or steps/shared-schemas.ts',
  },
  {
    files: 'steps/*.ts',
    mayImport: ['engine/sdk.ts', 'steps/**'],
    why: 'the list of built-in steps and the shared schemas reach the engine only through engine/sdk.ts',
  },
  {
    files: 'engine/store/store.ts',
    mustNotImport: ['engine/sdk.ts', 'engine/steps/**'],
    why: 'the step SDK imports the store interfaces it lends to steps: the store importing the SDK back is a cycle',
  },
  {
    files: 'engine/**',
    mustNotImport: ['integrations/**'],
    except: ['engine/http/app.ts'],
    why: 'integrations plug into the engine: only the composition root (engine/http/app.ts) wires them in',
  },
  {
    files: 'integrations/**',
    mustNotImport: ['steps/**'],
    why: 'an integration learns what steps offer from the step catalogue, never from the built-in steps themselves',
  },
  // ---- OpenID Connect provider (#18) ----
  {
    files: 'integrations/oidc/**',
    mustNotImport: ['integrations/authsignal/**', 'engine/runtime/machine-driver.ts', 'engine/runtime/step-executor.ts', 'engine/store/sqlite/**', 'engine/store/postgres/**'],
    why: 'the OpenID provider runs journeys through the session service and keeps its state through the store interfaces, whichever database; it shares nothing with the Authsignal integration',
  },
  // ---- Offline journey tests (#19) ----
  {
    files: 'testing/**',
    mustNotImport: ['cli/**', 'test/**', 'integrations/**', 'designer/**'],
    why: 'the journey test harness runs journeys on the engine and the steps in process; the command line and the suites use it, never the other way',
  },
  {
    files: 'engine/**',
    mustNotImport: ['testing/**'],
    why: 'the engine knows nothing of its test harness: the harness composes an engine as the server does',
  },
];

/**
 * Pairs of files that must not import each other (a cycle). The step types import the store's
 * credential interfaces one way; the store rule above keeps the other way shut.
 */
const NO_MUTUAL_IMPORTS: Array<[string, string]> = [['engine/steps/step-types.ts', 'engine/store/store.ts']];

const SCANNED = ['steps', 'engine', 'integrations', 'testing'];

describe('dependency rules', () => {
  const files = SCANNED.flatMap((folder) => typeScriptFiles(folder));

  it('every rule governs at least one file (a mistyped glob would pass silently)', () => {
    expect(RULES.filter((rule) => !files.some((file) => match(rule.files, file))).map((rule) => rule.files)).toEqual([]);
  });

  it('no file imports what its rule forbids', () => {
    expect(violations(RULES, files, importsOf)).toEqual([]);
  });

  it.each(NO_MUTUAL_IMPORTS)('%s and %s do not import each other', (a, b) => {
    const imports = (from: string, to: string) => importsOf(from).some((edge) => edge.target === to);
    expect(imports(a, b) && imports(b, a)).toBe(false);
  });
});

describe('the rule checker', () => {
  // A made-up tree, so the checker is seen to catch each kind of violation however clean the real one is.
  const edges: Record<string, string[]> = {
    'steps/sms-otp/sms-otp.step.ts': ['engine/sdk.ts', 'steps/sms-otp/mask.ts', 'steps/otp-common/one-time-code.ts', 'steps/shared-schemas.ts'],
    'steps/challenge/challenge.step.ts': ['steps/sms-otp/sms-otp.step.ts', 'engine/steps/step-types.ts'],
    'steps/totp-common/totp.ts': ['engine/store/store.ts', 'steps/password-common/hashing.ts'],
    'steps/index.ts': ['engine/sdk.ts', 'steps/sms-otp/sms-otp.step.ts', 'engine/runtime/session-service.ts'],
    'engine/store/store.ts': ['engine/json.ts', 'engine/steps/step-types.ts'],
    'engine/http/app.ts': ['integrations/authsignal/index.ts'],
    'engine/http/client-routes.ts': ['integrations/authsignal/common.ts'],
    'integrations/authsignal/client-routes.ts': ['engine/runtime/session-service.ts', 'steps/challenge/challenge.step.ts'],
  };
  const importsOfFake = (file: string): ImportEdge[] => [
    ...(edges[file] ?? []).map((target) => ({ specifier: target, target, unresolved: false })),
    { specifier: 'otplib', target: null, unresolved: false },
  ];

  it('reports imports of engine internals, of another step folder, of the SDK from the store, of an integration from the engine (but its wiring), and of a step from an integration', () => {
    const found = violations(RULES, Object.keys(edges), importsOfFake).map(({ file, specifier }) => `${file} -> ${specifier}`);
    expect(found).toEqual([
      'steps/challenge/challenge.step.ts -> steps/sms-otp/sms-otp.step.ts',
      'steps/challenge/challenge.step.ts -> engine/steps/step-types.ts',
      'steps/totp-common/totp.ts -> engine/store/store.ts',
      'steps/index.ts -> engine/runtime/session-service.ts',
      'engine/store/store.ts -> engine/steps/step-types.ts',
      'engine/http/client-routes.ts -> integrations/authsignal/common.ts',
      'integrations/authsignal/client-routes.ts -> steps/challenge/challenge.step.ts',
    ]);
  });

  it('reports a relative import that names no file', () => {
    const found = violations(RULES, ['steps/form/form.step.ts'], () => [{ specifier: '../gone.js', target: null, unresolved: true }]);
    expect(found).toEqual([{ file: 'steps/form/form.step.ts', specifier: '../gone.js', why: 'the import names no file' }]);
  });
});
