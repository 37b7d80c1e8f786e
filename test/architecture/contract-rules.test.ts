/**
 * The API contract (engine/http/contract) is loaded in browsers by the typed client and the
 * designer: it may import only itself, the journey schema and the diagnostic codes, and no package but json-schema-to-ts
 * (types). The client loads nothing else of the engine.
 */
import { describe, expect, it } from 'vitest';
import { violations, type DependencyRule } from './dependency-rules.js';
import { importsOf, typeScriptFiles } from './import-graph.js';

const RULES: DependencyRule[] = [
  {
    files: 'engine/http/contract/**',
    mayImport: ['engine/http/contract/**', 'engine/journey/journey-schema.ts', 'engine/journey/diagnostics.ts'],
    why: 'the contract is pure data the client and the designer load in browsers: no express, no runtime, no store',
  },
  {
    files: 'client/**',
    mayImport: ['client/**', 'engine/http/contract/**', 'engine/journey/journey-schema.ts'],
    why: 'the typed client runs on fetch alone: of the engine it takes the contract only',
  },
];

describe('contract rules', () => {
  const files = [...typeScriptFiles('engine/http/contract'), ...typeScriptFiles('client')];

  it('the contract and the client import only what they may', () => {
    expect(files.length).toBeGreaterThan(4);
    expect(violations(RULES, files, importsOf)).toEqual([]);
  });

  it('the contract imports no package but json-schema-to-ts, and nothing of Node', () => {
    const packages = typeScriptFiles('engine/http/contract').flatMap((file) => importsOf(file).filter((edge) => edge.target === null && !edge.unresolved));
    expect([...new Set(packages.map((edge) => edge.specifier))]).toEqual(['json-schema-to-ts']);
  });
});
