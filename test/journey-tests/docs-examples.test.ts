/**
 * docs/testing-journeys.md's example runs as written: its files (`<!-- example-file: NAME -->`
 * before a json block) are written to a temp folder, its command (`<!-- example-run: ARGS -->`)
 * is run there, and the output must be the one the page shows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { journeyCli, tempFolder } from './run-cli.js';

const page = readFileSync(fileURLToPath(new URL('../../docs/testing-journeys.md', import.meta.url)), 'utf8');

describe('docs/testing-journeys.md', () => {
  it('the example journey and its tests run with the output shown', async () => {
    const files = Object.fromEntries([...page.matchAll(/<!-- example-file: (\S+) -->\n```json\n([\s\S]*?)```/g)].map((m) => [m[1], m[2]]));
    expect(Object.keys(files)).toEqual(['greet.json', 'greet.test.json']);
    const run = /<!-- example-run: (.+?) -->\n```\n\$ npx journey .+\n([\s\S]*?)```/.exec(page);
    expect(run).not.toBeNull();
    const folder = tempFolder(files);
    try {
      const args = run![1].split(' ').map((arg) => (arg in files ? join(folder.dir, arg) : arg));
      const result = await journeyCli(args);
      expect(result.stdout.replaceAll(`${folder.dir}/`, '')).toBe(run![2]);
      expect(result.code).toBe(0);
    } finally {
      folder.remove();
    }
  });
});
