/**
 * The contract (engine/http/contract) is the one description of the API: the documented error
 * table says what the error table module says, and the engine's own types for shapes it answers
 * (written in modules this contract does not own) still fit the contract's types.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ERROR_TABLE } from '../../engine/http/contract/error-table.js';
import type { StepCatalogueEntry, ValidationResult } from '../../engine/http/contract/types.js';
import type { StepRegistry } from '../../engine/steps/registry.js';
import type { JourneyValidator } from '../../engine/journey/validate-journey.js';

type AsJson<T> = T extends readonly (infer U)[] ? AsJson<U>[] : T extends object ? { [K in keyof T]: AsJson<T[K]> } : T;

describe('the contract', () => {
  it("is what docs/http-api.md's error table says: every code once, with its status", () => {
    const doc = readFileSync(new URL('../../docs/http-api.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Errors'));
    const rows = [...section.matchAll(/^\| (\d{3}) \| `([a-z_]+)` \|/gm)].map(([, status, code]) => [code, Number(status)]);
    // rate_limited is described below the table, in prose.
    const prose = /`(\d{3}) (rate_limited)`/.exec(section);
    if (prose) rows.push([prose[2], Number(prose[1])]);
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(Object.entries(ERROR_TABLE).map(([code, { status }]) => [code, status])));
    expect(rows).toHaveLength(Object.keys(ERROR_TABLE).length);
  });

  it("the engine's catalogue and diagnostics fit the contract's types, as JSON", () => {
    // As JSON: interfaces and readonly arrays become the plain objects and arrays res.json sends.
    expectTypeOf<AsJson<ReturnType<StepRegistry['catalogue']>>>().toExtend<StepCatalogueEntry[]>();
    expectTypeOf<AsJson<ReturnType<JourneyValidator['validate']>>>().toExtend<ValidationResult>();
  });
});
