/**
 * What `npm start` prints (README, "Two commands"): the designer, hosted runner, API reference and
 * health addresses, and on the first start only, the generated admin key with the real path of
 * the file that keeps it, under whatever DATA_DIR says. The real server process, on a real port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../e2e/e2e-helpers.js';

const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** Starts engine/server.ts and answers its standard output up to the end of the banner. */
async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; output: string }> {
  const child = spawn(process.execPath, [TSX, join(ROOT, 'engine', 'server.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stderr!.on('data', (chunk) => (errors += chunk));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (/health\s+\S+/.test(output) && (!output.includes('Generated ADMIN_API_KEY') || output.includes('Sign in to the designer'))) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the server exited (${code}): ${errors}`)));
  });
  return { child, output };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

describe('the start-up banner', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'journey-banner-'));
  const children: ChildProcess[] = [];
  afterAll(async () => {
    await Promise.all(children.map(stop));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints every address and, on the first start, the admin key and where it is kept', async () => {
    const { child, output } = await startServer({ DATA_DIR: dataDir });
    children.push(child);
    const base = /designer\s+(http:\/\/localhost:\d+)\/designer\//.exec(output)![1];
    expect(output).toContain(`hosted runner   ${base}/run/{journeyId}`);
    expect(output).toContain(`API reference   ${base}/docs`);
    expect(output).toContain(`health          ${base}/healthz`);
    expect(output).toContain('OpenID provider off: set PUBLIC_URL');

    const keyFile = join(dataDir, 'admin-api-key');
    expect(output).toContain(`it is kept in ${keyFile}:`);
    const printed = /Generated ADMIN_API_KEY[^\n]*\n\s+(\S+)/.exec(output)![1];
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(printed);

    // The addresses are real: the health check answers, / leads to the designer.
    const url = base.replace('localhost', '127.0.0.1');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const root = await fetch(`${url}/`, { redirect: 'manual' });
    expect(root.headers.get('location')).toBe('/designer/');
    const admin = await fetch(`${url}/v1/admin/journeys`, { headers: { authorization: `Bearer ${printed}` } });
    expect(admin.status).toBe(200);
    await stop(child);
  });

  it('does not print the key again on the next start, and names the OpenID provider when PUBLIC_URL is set', async () => {
    const { child, output } = await startServer({ DATA_DIR: dataDir, PUBLIC_URL: 'https://login.example.test' });
    children.push(child);
    expect(output).not.toContain('Generated ADMIN_API_KEY');
    expect(output).not.toContain(readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim());
    expect(output).toContain('designer        https://login.example.test/designer/');
    expect(output).toContain('OpenID provider https://login.example.test/oidc');
    await stop(child);
  });
});
