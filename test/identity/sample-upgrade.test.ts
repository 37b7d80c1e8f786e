/**
 * Upgrading sample journeys at start: a sample an earlier release installed and nobody edited is
 * replaced by the current file; an edited (or deleted) one is left alone, an edit with a warning.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashDocument } from '../../engine/runtime/journey-runtime.js';
import { publishSampleJourneys, SHIPPED_HASHES_FILE } from '../../engine/samples.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

function sample(id: string, title: string) {
  return {
    id,
    name: title,
    start: 'show',
    settings: { public: true },
    steps: {
      show: { type: 'display', config: { title }, branches: { next: 'done' } },
      done: { type: 'complete' },
    },
  };
}

describe('sample journeys on upgrade', () => {
  let server: TestServer;
  let dir: string;
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });

  const load = () => publishSampleJourneys(dir, server.engine.admin, server.engine.store, logger);
  const write = (docs: Array<ReturnType<typeof sample>>, shipped: Record<string, string[]>) => {
    for (const doc of docs) writeFileSync(join(dir, `${doc.id}.json`), JSON.stringify(doc));
    writeFileSync(join(dir, SHIPPED_HASHES_FILE), JSON.stringify(shipped));
  };
  const draftTitle = async (id: string) => ((await server.engine.store.journeys.getDraft(id))!.document as any).steps.show.config.title;

  beforeEach(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'samples-'));
    mkdirSync(join(dir, 'history'));
    warnings.length = 0;
  });
  afterEach(async () => {
    await server.close({ remove: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('replaces an unedited sample of an earlier release with the new version, once', async () => {
    const v1 = sample('demo', 'old');
    write([v1], {});
    expect(await load()).toEqual(['demo']);

    const v2 = sample('demo', 'new');
    write([v2], { demo: [hashDocument(v1)] });
    expect(await load()).toEqual(['demo']);
    expect(await draftTitle('demo')).toBe('new');
    expect((await server.engine.store.journeys.listVersions('demo')).length).toBe(2);
    expect(warnings).toEqual([]);

    // Already current: nothing to do at the next start.
    expect(await load()).toEqual([]);
    expect((await server.engine.store.journeys.listVersions('demo')).length).toBe(2);
  });

  it('leaves a sample an admin edited (draft or published) alone and logs a warning', async () => {
    const v1 = sample('demo', 'old');
    write([v1], {});
    await load();
    await server.engine.admin.save('demo', sample('demo', 'mine'));

    write([sample('demo', 'new')], { demo: [hashDocument(v1)] });
    expect(await load()).toEqual([]);
    expect(await draftTitle('demo')).toBe('mine');
    expect(warnings.join('\n')).toContain('sample journey was edited by an admin');

    // Put back to the shipped text and published: indistinguishable from untouched, so it is upgraded.
    await server.engine.admin.save('demo', v1);
    await server.engine.admin.publish('demo');
    expect(await load()).toEqual(['demo']);
    expect(await draftTitle('demo')).toBe('new');
  });

  it('does not bring back a sample an admin deleted', async () => {
    const v1 = sample('demo', 'old');
    write([v1], {});
    await load();
    await server.engine.admin.delete('demo');
    write([sample('demo', 'new')], { demo: [hashDocument(v1)] });
    expect(await load()).toEqual([]);
    expect(await server.engine.store.journeys.getDraft('demo')).toBeNull();
  });
});
