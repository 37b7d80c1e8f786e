/**
 * Builds the designer and the hosted runner into designer/dist with Vite.
 *
 *   tsx scripts/build-designer.ts               always builds
 *   tsx scripts/build-designer.ts --if-missing  builds only when designer/dist is missing
 *   tsx scripts/build-designer.ts --if-stale    builds when missing or built from other sources (npm start, e2e tests)
 *
 * "Other sources": the build records a SHA-256 of its sources' paths and contents (and of
 * package-lock.json: an upgraded dependency changes the bundle too) in designer/dist/.source-hash.
 * Content, not modification times: a `git pull` or a checkout of another branch can leave files
 * older than the last build, and a touched but unchanged file needs no build. Hashing the sources
 * takes tens of milliseconds, so an unchanged designer costs `npm start` next to nothing.
 *
 * Concurrent callers (parallel test files) take a lock, so only one of them builds.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
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
  join(root, 'package-lock.json'),
];
const HASH_FILE = join(dist, '.source-hash');

function addToHash(hash: ReturnType<typeof createHash>, base: string, path: string): void {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) addToHash(hash, base, join(path, entry));
    return;
  }
  // The path (relative, so the same checkout elsewhere hashes alike) and the content, each framed by its length.
  const name = relative(base, path).split('\\').join('/');
  const content = readFileSync(path);
  hash.update(`${name.length}:${name}${content.length}:`).update(content);
}

/** The SHA-256 of files and folders (every file's path relative to `base`, and its content). */
export function hashSources(base: string, sources: string[]): string {
  const hash = createHash('sha256');
  for (const source of sources) addToHash(hash, base, source);
  return hash.digest('hex');
}

export function designerSourceHash(): string {
  return hashSources(root, SOURCES);
}

export function designerBuilt(): boolean {
  return existsSync(marker) && existsSync(join(dist, 'run.html'));
}

/** Missing, or built from sources other than the current ones (or by a version that recorded no hash). */
export function designerStale(): boolean {
  if (!designerBuilt() || !existsSync(HASH_FILE)) return true;
  return readFileSync(HASH_FILE, 'utf8').trim() !== designerSourceHash();
}

export async function buildDesigner(): Promise<void> {
  // Hashed before the build: a source edited while Vite runs makes the next start build again.
  const sourceHash = designerSourceHash();
  const { build } = await import('vite');
  await build({ configFile: join(designer, 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(HASH_FILE, `${sourceHash}\n`);
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
