/**
 * Builds the designer and the hosted runner into designer/dist with Vite.
 *
 *   tsx scripts/build-designer.ts               always builds
 *   tsx scripts/build-designer.ts --if-missing  builds only when designer/dist is missing (npm start)
 *   tsx scripts/build-designer.ts --if-stale    builds when missing or older than its sources (e2e tests)
 *
 * Concurrent callers (parallel test files) take a lock, so only one of them builds.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const designer = join(root, 'designer');
const dist = join(designer, 'dist');
const marker = join(dist, 'index.html');

/** What the bundle is made of: the designer's sources and the engine modules it imports. */
const SOURCES = [
  join(designer, 'src'),
  join(designer, 'index.html'),
  join(designer, 'run.html'),
  join(designer, 'vite.config.ts'),
  join(designer, 'vite-plugins.ts'),
  join(root, 'engine', 'journey'),
  join(root, 'engine', 'steps', 'registry.ts'),
  join(root, 'engine', 'runtime', 'expressions.ts'),
  join(root, 'engine', 'runtime', 'run-budget.ts'),
  join(root, 'engine', 'security'),
];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

export function designerBuilt(): boolean {
  return existsSync(marker) && existsSync(join(dist, 'run.html'));
}

export function designerStale(): boolean {
  if (!designerBuilt()) return true;
  const builtAt = statSync(marker).mtimeMs;
  return SOURCES.some((source) => newest(source) > builtAt);
}

export async function buildDesigner(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(designer, 'vite.config.ts'), logLevel: 'warn' });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds under a lock when `needed()` says so (checked again once the lock is held). */
export async function buildDesignerIf(needed: () => boolean): Promise<boolean> {
  if (!needed()) return false;
  const lock = join(tmpdir(), `journey-designer-build-${createHash('sha256').update(root).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Someone else builds: wait; a lock older than two minutes is a leftover.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // gone already
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the designer build lock ${lock}`);
      await sleep(200);
    }
  }
  try {
    if (!needed()) return false;
    await buildDesigner();
    return true;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const mode = process.argv.includes('--if-missing') ? 'missing' : process.argv.includes('--if-stale') ? 'stale' : 'always';
  const started = Date.now();
  const check = mode === 'missing' ? () => !designerBuilt() : mode === 'stale' ? designerStale : () => true;
  buildDesignerIf(check)
    .then((built) => {
      if (built) console.log(`designer built into designer/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      else if (mode !== 'always') console.log('designer/dist is up to date');
    })
    .catch((error) => {
      console.error('designer build failed:', error);
      process.exit(1);
    });
}
