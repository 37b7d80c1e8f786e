/**
 * Checking imports against dependency rules written as data. A rule names the files it governs
 * with a glob over repository paths and says what they may (or must not) import. Globs: `*` is
 * part of one path segment, `**` any number of segments, and `<name>` one whole segment that is
 * captured from the importing file, so `steps/<folder>/**` may import `steps/<folder>/**` means
 * "its own folder".
 */
import type { ImportEdge } from './import-graph.js';

export interface DependencyRule {
  /** The importing files the rule governs. */
  files: string;
  /** Importing files the rule leaves out though `files` matches them (a sanctioned exception). */
  except?: string[];
  /** When given: the only repository files they may import (package imports are not governed). */
  mayImport?: string[];
  /** Repository files they must never import. */
  mustNotImport?: string[];
  /** Shown with each violation. */
  why: string;
}

export interface Violation {
  file: string;
  specifier: string;
  why: string;
}

export function violations(rules: DependencyRule[], files: string[], importsOf: (file: string) => ImportEdge[]): Violation[] {
  const found: Violation[] = [];
  for (const file of files) {
    for (const rule of rules) {
      const captures = match(rule.files, file);
      if (!captures || (rule.except ?? []).some((glob) => match(glob, file))) continue;
      for (const edge of importsOf(file)) {
        if (edge.unresolved) {
          found.push({ file, specifier: edge.specifier, why: 'the import names no file' });
          continue;
        }
        if (edge.target === null) continue;
        const target = edge.target;
        const allowed = rule.mayImport ? rule.mayImport.some((glob) => match(glob, target, captures)) : true;
        const forbidden = (rule.mustNotImport ?? []).some((glob) => match(glob, target, captures));
        if (!allowed || forbidden) found.push({ file, specifier: edge.specifier, why: rule.why });
      }
    }
  }
  return found;
}

/** Whether a rule's glob matches a path: the captured segments when it does, else null. */
export function match(glob: string, path: string, bound: Record<string, string> = {}): Record<string, string> | null {
  const names: string[] = [];
  let source = '';
  for (const part of glob.split(/(\*\*|\*|<[a-z]+>)/)) {
    if (part === '**') source += '.*';
    else if (part === '*') source += '[^/]*';
    else if (/^<[a-z]+>$/.test(part)) {
      const name = part.slice(1, -1);
      if (name in bound) source += escape(bound[name]);
      else {
        names.push(name);
        source += '([^/]+)';
      }
    } else source += escape(part);
  }
  const result = new RegExp(`^${source}$`).exec(path);
  if (!result) return null;
  return { ...bound, ...Object.fromEntries(names.map((name, i) => [name, result[i + 1]])) };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
