/**
 * The docs are the SDK's contract: their step examples import the engine through engine/sdk.js
 * only, and the README's custom step loads through CUSTOM_STEPS and runs as written.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCustomSteps } from '../../engine/custom-steps.js';
import type { StepContext, StepOutcome } from '../../engine/sdk.js';
import { REPO_ROOT } from './import-graph.js';

const DOCS = ['README.md', ...readdirSync(resolve(REPO_ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

function typeScriptBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((block) => block[1]);
}

describe('the SDK in the docs', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'sdk-docs-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  // Step examples only: other extension points (message providers) are written against their own modules.
  it.each(DOCS)('%s: every engine import of a step example is engine/sdk.js', (doc) => {
    const engineImports = typeScriptBlocks(readFileSync(resolve(REPO_ROOT, doc), 'utf8'))
      .filter((code) => code.includes('defineStep('))
      .flatMap((code) => ts.preProcessFile(code, true, true).importedFiles.map((file) => file.fileName))
      .filter((specifier) => /(^|\/)engine\//.test(specifier));
    expect(engineImports.filter((specifier) => !specifier.endsWith('engine/sdk.js'))).toEqual([]);
  });

  it("the README's custom step loads through CUSTOM_STEPS and branches as it says", async () => {
    const example = typeScriptBlocks(readFileSync(resolve(REPO_ROOT, 'README.md'), 'utf8')).find((code) => code.startsWith('// my-steps/'));
    expect(example).toBeDefined();
    // Written for my-steps/ beside engine/: moved to a scratch folder, it names the SDK by its full URL.
    const specifier = '../engine/sdk.js';
    expect(example).toContain(`from '${specifier}'`);
    const module = join(scratch, 'allow-list.step.ts');
    writeFileSync(module, example!.replace(specifier, pathToFileURL(resolve(REPO_ROOT, 'engine/sdk.ts')).href));

    const [step] = await loadCustomSteps([module]);
    expect(step).toMatchObject({ type: 'acme.allow-list', category: 'logic', branches: ['allowed', 'denied'] });
    const run = (email: string) =>
      step.run({
        config: { email, domains: ['acme.test'] },
        branch: (branch: string) => ({ kind: 'branch', branch }) as StepOutcome,
      } as unknown as StepContext<any>);
    expect(await run('ann@ACME.test')).toMatchObject({ branch: 'allowed' });
    expect(await run('bob@example.com')).toMatchObject({ branch: 'denied' });
  });
});
