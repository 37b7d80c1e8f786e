/**
 * The designer's assets as the engine serves them: from memory, compressed when the browser
 * accepts it, cached for good (their names carry their content's hash), conditional requests
 * answered 304, unknown names and path tricks 404.
 */
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDesignerBuilt } from '../e2e/e2e-helpers.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** Node's own client: it sends the path as written (fetch would normalise it) and decodes nothing. */
function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { hostname, port } = new URL(url);
  const path = url.slice(url.indexOf('/', url.indexOf('//') + 2));
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject).end();
  });
}

describe('designer assets', () => {
  let server: TestServer;
  let script: string;
  let stylesheet: string;

  beforeAll(async () => {
    await ensureDesignerBuilt();
    server = await startTestServer();
    const page = (await get(`${server.url}/designer/`)).body.toString();
    script = /src="(\/designer\/assets\/index-[^"]+\.js)"/.exec(page)![1];
    stylesheet = /href="(\/designer\/assets\/[^"]+\.css)"/.exec(page)![1];
  }, 120_000);
  afterAll(() => server?.close({ remove: true }));

  it('serves an asset compressed as the browser asks, with the same content each way, cached for good', async () => {
    const plain = await get(`${server.url}${script}`);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toMatch(/^text\/javascript/);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers.vary).toBe('Accept-Encoding');

    const br = await get(`${server.url}${script}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);

    const gzip = await get(`${server.url}${stylesheet}`, { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.headers['content-type']).toMatch(/^text\/css/);
    expect(gunzipSync(gzip.body).equals((await get(`${server.url}${stylesheet}`)).body)).toBe(true);
  });

  it('answers a conditional request with 304, and HEAD without a body', async () => {
    const first = await get(`${server.url}${script}`);
    const again = await get(`${server.url}${script}`, { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const head = await get(`${server.url}${script}`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it('answers 404 for unknown names and anything outside the assets folder', async () => {
    for (const path of ['/designer/assets/nope.js', '/designer/assets/..%2F..%2Fpackage.json', '/designer/assets/%2e%2e/%2e%2e/package.json', '/designer/assets/../../package.json', '/designer/assets/']) {
      expect((await get(`${server.url}${path}`)).status, path).toBe(404);
    }
  });
});
