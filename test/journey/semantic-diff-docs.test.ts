/**
 * The semantic diff's documented examples as written: docs/journeys.md's pair of documents
 * answers the changes it shows, and docs/client-and-cli.md's `journey diff` output is what the
 * CLI prints for that pair.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { semanticDiff } from '../../engine/journey/semantic-diff.js';
import { printDiff } from '../../cli/diff.js';

const read = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

/** The fenced block right after `<!-- marker -->`. */
function blockAfter(text: string, marker: string): string {
  const match = new RegExp(`<!-- ${marker} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(text);
  if (!match) throw new Error(`no block after ${marker}`);
  return match[1];
}

describe('semantic diff docs', () => {
  const journeys = read('journeys.md');
  const from = JSON.parse(blockAfter(journeys, 'diff-example:from'));
  const to = JSON.parse(blockAfter(journeys, 'diff-example:to'));

  it("docs/journeys.md: the example's changes are the diff's", () => {
    expect(semanticDiff(from, to)).toEqual(JSON.parse(blockAfter(journeys, 'diff-example:changes')));
  });

  it("docs/client-and-cli.md: journey diff's output for that example", () => {
    const cli = read('client-and-cli.md');
    const section = cli.slice(cli.indexOf('### `journey diff'));
    const printed = /It prints one change a line[\s\S]*?```\n([\s\S]*?)```/.exec(section)![1];
    let out = '';
    printDiff(semanticDiff(from, to), { out: (t) => (out += t), err: () => undefined });
    expect(out).toBe(printed);
  });
});
