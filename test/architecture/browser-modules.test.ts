/**
 * The designer and the hosted runner run in browsers, and they load engine modules (the journey
 * schema and validator, expressions, the contract) so that the browser and the server judge a
 * journey the same way. None of what they reach may import a Node built-in: Vite would bundle a
 * stub and the module would fail in the browser at run time (as the run budget's
 * AsyncLocalStorage once did), which no typecheck catches.
 */
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';
import { importsOf, typeScriptFiles } from './import-graph.js';

const NODE_BUILTINS = new Set(builtinModules);
const isNodeBuiltin = (specifier: string) => specifier.startsWith('node:') || NODE_BUILTINS.has(specifier.split('/')[0]);

/** Every repository file reachable by imports from `roots`. */
function reachable(roots: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const edge of importsOf(file)) if (edge.target) queue.push(edge.target);
  }
  return seen;
}

describe('modules the browser loads', () => {
  const files = reachable(typeScriptFiles('designer/src'));

  it('reach engine modules (the shared validator), so the rule has something to check', () => {
    expect([...files].filter((file) => file.startsWith('engine/')).length).toBeGreaterThan(5);
  });

  it('import no Node built-in, directly or through what they import', () => {
    const offending = [...files].flatMap((file) => importsOf(file).filter((edge) => isNodeBuiltin(edge.specifier)).map((edge) => `${file} imports ${edge.specifier}`));
    expect(offending).toEqual([]);
  });
});
