/**
 * The data directory is created 0700, and the files the server creates in it (journeys.db and its
 * -wal/-shm, secret-key, admin-api-key) 0600, whatever the umask (http-api.md, "Files").
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, tempDataDir, type TestServer } from '../helpers/test-server.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('file modes in a fresh DATA_DIR', () => {
  const root = tempDataDir();
  let server: TestServer | undefined;
  afterAll(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it.each([
    ['000', 0o000],
    ['022', 0o022],
  ])('with umask %s: DATA_DIR 0700, its files 0600', async (_label, umask) => {
    const dataDir = join(root, `umask-${umask.toString(8)}`, 'nested', 'data');
    const previous = process.umask(umask);
    try {
      // No ADMIN_API_KEY nor SECRET_KEY: both are generated into DATA_DIR.
      server = await startTestServer({ dataDir, env: { ADMIN_API_KEY: '', SECRET_KEY: '' } });
      // A write, so that the WAL is in use.
      const admin = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
      const saved = await server.request('PUT', '/v1/admin/journeys/modes', {
        token: admin,
        body: { id: 'modes', start: 'done', steps: { done: { type: 'complete' } } },
      });
      expect(saved.status).toBe(200);
    } finally {
      process.umask(previous);
    }

    expect(mode(dataDir)).toBe(0o700);
    // The parents this start created, too.
    expect(mode(join(root, `umask-${umask.toString(8)}`, 'nested'))).toBe(0o700);
    for (const name of ['journeys.db', 'journeys.db-wal', 'journeys.db-shm', 'secret-key', 'admin-api-key']) {
      expect(mode(join(dataDir, name)), name).toBe(0o600);
    }
    await server.close();
    server = undefined;
  });
});
