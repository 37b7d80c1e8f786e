/**
 * `npm start` rebuilds the designer when its sources changed (scripts/build-designer.ts): by their
 * content, not their modification times.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { designerSourceHash, hashSources } from '../../scripts/build-designer.js';

describe('the designer source hash', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  function sources() {
    const base = mkdtempSync(join(tmpdir(), 'designer-hash-'));
    dirs.push(base);
    mkdirSync(join(base, 'src', 'runner'), { recursive: true });
    writeFileSync(join(base, 'src', 'runner', 'App.tsx'), 'export const a = 1;\n');
    writeFileSync(join(base, 'src', 'main.tsx'), 'import "./runner/App";\n');
    writeFileSync(join(base, 'index.html'), '<div id="root"></div>\n');
    return { base, list: [join(base, 'src'), join(base, 'index.html'), join(base, 'missing.ts')] };
  }

  it('stays the same when files are only touched, and changes with a content, a new file or a rename', () => {
    const { base, list } = sources();
    const first = hashSources(base, list);
    expect(first).toMatch(/^[0-9a-f]{64}$/);

    utimesSync(join(base, 'src', 'main.tsx'), new Date(), new Date(Date.now() + 60_000));
    expect(hashSources(base, list)).toBe(first);

    writeFileSync(join(base, 'src', 'runner', 'App.tsx'), 'export const a = 2;\n');
    const edited = hashSources(base, list);
    expect(edited).not.toBe(first);

    writeFileSync(join(base, 'src', 'runner', 'Other.tsx'), '');
    const added = hashSources(base, list);
    expect(added).not.toBe(edited);

    renameSync(join(base, 'src', 'runner', 'Other.tsx'), join(base, 'src', 'runner', 'Renamed.tsx'));
    expect(hashSources(base, list)).not.toBe(added);
  });

  it('does not depend on where the checkout is', () => {
    const one = sources();
    const two = sources();
    expect(hashSources(one.base, one.list)).toBe(hashSources(two.base, two.list));
  });

  it('covers the real designer sources', () => {
    expect(designerSourceHash()).toMatch(/^[0-9a-f]{64}$/);
  });
});
