/**
 * The fenced code blocks of a markdown file, with their language and where they start. A
 * CommonMark fence is a line of three or more backticks; the docs use nothing fancier (no
 * tildes, no indented fences), and a test fails on an unclosed one, so a few lines suffice
 * where a markdown parser would be a dependency for one regex's job.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../e2e/e2e-helpers.js';

export interface CodeBlock {
  file: string;
  /** 1-based, the opening fence's line. */
  line: number;
  lang: string;
  code: string;
  /** The nearest heading above the block. */
  heading: string;
  /** The line just above the opening fence (a marker comment, if any). */
  before: string;
}

export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(`{3,})\s*([\w-]*)\s*$/.exec(lines[i]);
    if (!fence) {
      if (/^#{1,6} /.test(lines[i])) heading = lines[i].replace(/^#+ /, '');
      continue;
    }
    const end = lines.findIndex((l, j) => j > i && l.startsWith(fence[1]) && l.trim() === fence[1]);
    if (end < 0) throw new Error(`${file}:${i + 1}: unclosed code fence`);
    blocks.push({ file, line: i + 1, lang: fence[2], code: lines.slice(i + 1, end).join('\n'), heading, before: lines[i - 1] ?? '' });
    i = end;
  }
  return blocks;
}

/** The one block of `file` whose code contains `marker` (an example is found by its content, not its position). */
export function blockWith(file: string, marker: string, lang?: string): CodeBlock {
  const found = codeBlocks(file).filter((b) => b.code.includes(marker) && (lang === undefined || b.lang === lang));
  if (found.length !== 1) throw new Error(`${file}: ${found.length} code blocks contain ${JSON.stringify(marker)} (expected one)`);
  return found[0];
}
