/**
 * `journey test [paths…]`: runs journey test files (`*.test.json`; a folder means the ones in it,
 * default `journeys/`) offline, in this process, prints each case and then each journey's
 * coverage. Exits 1 when a case fails or a journey's branch coverage is under the minimum.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { JsonSyntaxError, locatePointer, parseJson, positionOf } from './json-locate.js';
import type { Io } from './run.js';

export interface TestCommandOptions {
  paths: string[];
  customSteps?: string;
  coverageJson?: string;
  minBranchCoverage?: number;
}

interface Located {
  name: string;
  text: string;
}

export async function testJourneys(options: TestCommandOptions, io: Io): Promise<number> {
  // Loaded here only: the engine and every built-in step.
  const [{ builtInSteps }, { loadCustomSteps }, { checkTestFile, runTestFile }, { coverageOf, branchPercent }] = await Promise.all([
    import('../steps/index.js'),
    import('../engine/custom-steps.js'),
    import('../testing/run-test-file.js'),
    import('../testing/coverage.js'),
  ]);
  const modules = (options.customSteps ?? '').split(',').map((m) => m.trim()).filter(Boolean);
  const steps = [...builtInSteps, ...(await loadCustomSteps(modules))];

  const files = await testFiles(options.paths.length ? options.paths : ['journeys']);
  if (files.length === 0) {
    io.err(`journey test: no *.test.json files in ${options.paths.join(', ') || 'journeys'}\n`);
    return 1;
  }
  let failed = 0;
  let passed = 0;
  const byJourney = new Map<string, { journey: Record<string, unknown>; unreachable: string[]; cases: Array<Awaited<ReturnType<typeof runTestFile>>['cases'][number]> }>();
  const where = (file: Located, pointer: string) => {
    const { line, column } = locatePointer(file.text, pointer);
    return `${file.name}:${line}:${column}`;
  };

  for (const name of files) {
    const file: Located = { name, text: await readFile(name, 'utf8') };
    let document: unknown;
    try {
      document = parseJson(file.text);
    } catch (error) {
      if (!(error instanceof JsonSyntaxError)) throw error;
      const { line, column } = positionOf(file.text, error.offset);
      io.out(`${name}:${line}:${column}: invalid JSON: ${error.message}\n`);
      failed++;
      continue;
    }
    const checked = checkTestFile(document);
    if (!checked.file) {
      for (const f of checked.failures) io.out(`${where(file, f.pointer)}: ${label(document, f.pointer)}${f.pointer || '/'} ${f.message}\n`);
      failed++;
      continue;
    }
    const journeyName = resolve(dirname(name), checked.file.journey ?? basename(name).replace(/\.test\.json$/, '.json'));
    let journey: Record<string, unknown>;
    try {
      journey = JSON.parse(await readFile(journeyName, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      io.out(`${where(file, '/journey')}: the journey ${journeyName} cannot be read: ${(error as Error).message}\n`);
      failed++;
      continue;
    }
    io.out(`${name} (${String(journey.id)})\n`);
    const result = await runTestFile(checked.file, journey as never, steps, (id) => journeyBeside(dirname(journeyName), id));
    for (const f of result.failures) io.out(`  ${where(file, f.pointer)}: ${f.message}\n`);
    if (result.failures.length) failed++;
    for (const c of result.cases) {
      if (c.failures.length === 0) {
        passed++;
        io.out(`  ✓ ${c.name}\n`);
        continue;
      }
      failed++;
      io.out(`  ✗ ${c.name}\n`);
      for (const f of c.failures) io.out(`      ${where(file, f.pointer)}: ${label(document, f.pointer)}${f.message}\n`);
      io.out(`      path taken: ${c.path.join(' → ')}\n`);
    }
    const entry = byJourney.get(String(journey.id)) ?? { journey, unreachable: [], cases: [] };
    entry.cases.push(...result.cases);
    entry.unreachable.push(...(checked.file.unreachable ?? []).map((u) => u.branch));
    byJourney.set(String(journey.id), entry);
  }

  io.out(`\n${passed} passed, ${failed} failed\n\ncoverage\n`);
  const coverage = [...byJourney.values()].map(({ journey, cases, unreachable }) => coverageOf(journey as never, cases, unreachable));
  let underMinimum = false;
  for (const c of coverage) {
    const percent = branchPercent(c);
    const low = options.minBranchCoverage !== undefined && percent < options.minBranchCoverage;
    if (low) underMinimum = true;
    io.out(`  ${c.journeyId}: steps ${c.steps.covered}/${c.steps.total}, branches ${c.branches.covered}/${c.branches.total} (${formatPercent(percent)})${low ? ` under the minimum ${options.minBranchCoverage}%` : ''}\n`);
    if (c.steps.missed.length) io.out(`    steps never entered: ${c.steps.missed.join(', ')}\n`);
    if (c.branches.missed.length) io.out(`    branches never taken: ${c.branches.missed.join(', ')}\n`);
    if (c.unreachable.length) io.out(`    declared unreachable (not counted): ${c.unreachable.join(', ')}\n`);
  }
  if (options.coverageJson) await writeFile(options.coverageJson, JSON.stringify({ journeys: coverage }, null, 2) + '\n');
  return failed > 0 || underMinimum ? 1 : 0;
}

function formatPercent(percent: number): string {
  return `${Number.isInteger(percent) ? percent : percent.toFixed(1)}%`;
}

/** `case "name", step 3: ` for a pointer inside a case (steps counted from 1, as people count). */
function label(document: unknown, pointer: string): string {
  const match = /^\/cases\/(\d+)(?:\/steps\/(\d+))?/.exec(pointer);
  if (!match) return '';
  const testCase = (document as { cases?: Array<{ name?: unknown }> }).cases?.[Number(match[1])];
  const name = typeof testCase?.name === 'string' ? `"${testCase.name}"` : `#${Number(match[1]) + 1}`;
  return `case ${name}${match[2] !== undefined ? `, step ${Number(match[2]) + 1}` : ''}: `;
}

async function testFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    if ((await stat(path)).isDirectory()) {
      const names = (await readdir(path)).filter((n) => n.endsWith('.test.json')).sort();
      files.push(...names.map((n) => join(path, n)));
    } else {
      files.push(path);
    }
  }
  return files;
}

/** The journey with this id among the journey files of a folder (`<id>.json` first): what a call names. */
async function journeyBeside(folder: string, journeyId: string): Promise<Record<string, unknown> | null> {
  const names = (await readdir(folder)).filter((f) => f.endsWith('.json') && !f.endsWith('.test.json'));
  names.sort((a, b) => Number(b === `${journeyId}.json`) - Number(a === `${journeyId}.json`));
  for (const name of names) {
    try {
      const document = JSON.parse(await readFile(resolve(folder, name), 'utf8')) as Record<string, unknown>;
      if (document.id === journeyId) return document;
    } catch {
      // not a journey: skipped
    }
  }
  return null;
}
