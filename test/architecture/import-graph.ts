/**
 * The repository's TypeScript import graph, for the dependency rules: which repository files each
 * file imports (static and dynamic imports, `import type`, `export … from`), read with the
 * compiler's own scanner so comments and strings never count as imports.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** One import of a file: its specifier as written and, when it names a repository file, that file. */
export interface ImportEdge {
  specifier: string;
  /** Repository-relative path with "/" separators; null for a package or node: import. */
  target: string | null;
  /** A relative specifier that names no file (reported as a violation rather than ignored). */
  unresolved: boolean;
}

/** Repository-relative paths of every .ts and .tsx file under `folder` (repository-relative). */
export function typeScriptFiles(folder: string): string[] {
  const files: string[] = [];
  const walk = (absolute: string) => {
    for (const entry of readdirSync(absolute)) {
      if (entry === 'node_modules') continue;
      const path = join(absolute, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.tsx?$/.test(entry) && !entry.endsWith('.d.ts')) files.push(toRepoPath(path));
    }
  };
  walk(resolve(REPO_ROOT, folder));
  return files.sort();
}

export function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(resolve(REPO_ROOT, file), 'utf8');
  return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName: specifier }) => {
    if (!specifier.startsWith('.')) return { specifier, target: null, unresolved: false };
    const target = resolveRelative(dirname(resolve(REPO_ROOT, file)), specifier);
    return { specifier, target, unresolved: target === null };
  });
}

// NodeNext specifiers name the emitted file: "./x.js" is ./x.ts in the source tree.
function resolveRelative(fromFolder: string, specifier: string): string | null {
  const absolute = resolve(fromFolder, specifier);
  const candidates = [absolute.replace(/\.js$/, '.ts'), absolute.replace(/\.js$/, '.tsx'), absolute, join(absolute, 'index.ts')];
  const found = candidates.find((path) => existsSync(path) && statSync(path).isFile());
  return found ? toRepoPath(found) : null;
}

function toRepoPath(absolute: string): string {
  return relative(REPO_ROOT, absolute).split(sep).join('/');
}
