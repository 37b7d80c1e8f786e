/**
 * The designer's built assets (/designer/assets/…), served from memory. Their names carry a hash
 * of their content, so a file read once never changes: no disk access per request (a page load
 * asks for a dozen files at once, which otherwise queue in libuv's small thread pool), and each
 * compressible file is compressed once, in brotli and gzip, instead of never.
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { RequestHandler } from 'express';

interface Asset {
  body: Buffer;
  br: Buffer | null;
  gzip: Buffer | null;
  etag: string;
}

const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.html', '.json', '.svg', '.map', '.txt', '.wasm']);

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/** Read and compressed off the event loop (the largest asset, elkjs, is 1.4 MB). */
async function load(path: string): Promise<Asset> {
  const body = await readFile(path);
  const compress = COMPRESSIBLE.has(extname(path)) && body.length > 1024;
  const [br, gz] = compress
    ? await Promise.all([
        // Quality 5: most of brotli's gain at a small fraction of its highest setting's cost.
        brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
        gzipped(body),
      ])
    : [null, null];
  return { body, br, gzip: gz, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

export function designerAssets(directory: string): RequestHandler {
  const assets = new Map<string, Promise<Asset>>();
  let names = new Set<string>();
  let listedAt = -1;
  const listed = (name: string) => {
    if (names.has(name)) return true;
    // A new build (new names) while the server runs: list the folder again once it has changed.
    const changedAt = statSync(directory, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (changedAt !== listedAt) {
      listedAt = changedAt;
      names = new Set(changedAt ? readdirSync(directory) : []);
    }
    return names.has(name);
  };
  return async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const name = req.path.slice(1);
    if (!/^[\w.-]+$/.test(name) || !listed(name)) return next();
    let loading = assets.get(name);
    if (!loading) {
      loading = load(join(directory, name));
      assets.set(name, loading);
      loading.catch(() => assets.delete(name)); // gone meanwhile (a rebuild): not cached
    }
    let asset: Asset;
    try {
      asset = await loading;
    } catch {
      return next();
    }
    res.set({ 'Cache-Control': 'public, max-age=31536000, immutable', ETag: asset.etag, Vary: 'Accept-Encoding' });
    res.type(extname(name));
    if (req.fresh) return void res.status(304).end();
    // Brotli whenever it is accepted (browsers list it after gzip, with the same weight).
    const encoding = !asset.br ? null : req.acceptsEncodings('br') ? 'br' : req.acceptsEncodings('gzip') ? 'gzip' : null;
    const body = encoding ? asset[encoding]! : asset.body;
    if (encoding) res.set('Content-Encoding', encoding);
    res.set('Content-Length', String(body.length)).end(body);
  };
}
