/**
 * The API reference at /docs: /openapi.json rendered by Redoc (the `redoc` package's standalone
 * bundle, served from node_modules by the engine: no CDN, works offline).
 *
 * Redoc styles itself with styled-components, which adds <style> elements: the page's CSP allows
 * them by a per-response nonce (handed to Redoc through its `nonce` option), never by
 * 'unsafe-inline'. Two <style> elements Redoc adds without the nonce are allowed by their hashes:
 * perfect-scrollbar's fixed stylesheet and an empty one (test/e2e/api-docs.test.ts fails on any
 * violation, so a Redoc upgrade that changes them is caught). Its search index runs in a worker Redoc creates from a blob: URL, hence
 * `worker-src blob:`. Scripts load from the origin only: the page has no inline script (the
 * start-up script reads the nonce from its own <script> element).
 */
import express from 'express';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const REDOC_BUNDLE = require.resolve('redoc/bundles/redoc.standalone.js');
const REDOC_VERSION = (JSON.parse(readFileSync(require.resolve('redoc/package.json'), 'utf8')) as { version: string }).version;
/** The bundle's URL names its version, so browsers may keep it for good. */
export const REDOC_PATH = `/docs/assets/redoc-${REDOC_VERSION}.standalone.js`;
const INIT_PATH = '/docs/assets/api-docs.js';

/** perfect-scrollbar's stylesheet in redoc 2.5.4, and the empty <style>. */
const REDOC_STYLE_HASHES = ["'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='", "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"];

export function apiDocsCsp(nonce: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    `style-src 'self' 'nonce-${nonce}' ${REDOC_STYLE_HASHES.join(' ')}`,
    "font-src 'self' data:",
    "worker-src blob:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Runs in the browser: Redoc renders the engine's OpenAPI document into #redoc. */
const INIT_SCRIPT = `'use strict';
(function () {
  var nonce = document.currentScript && document.currentScript.nonce;
  Redoc.init('/openapi.json', { nonce: nonce, expandResponses: '200', jsonSampleExpandLevel: 3 }, document.getElementById('redoc'));
})();
`;

function page(nonce: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">' +
    `<title>Journey engine API reference</title><style nonce="${nonce}">body{margin:0}</style></head>` +
    `<body><div id="redoc"></div><script src="${REDOC_PATH}"></script><script src="${INIT_PATH}" nonce="${nonce}"></script></body></html>`
  );
}

export function apiDocsRoutes(): express.Router {
  const router = express.Router();
  router.get(['/docs', '/docs/'], (_req, res) => {
    const nonce = randomBytes(16).toString('base64');
    res.status(200).type('html').set({ 'Content-Security-Policy': apiDocsCsp(nonce), 'X-Frame-Options': 'DENY' }).send(page(nonce));
  });
  router.get(REDOC_PATH, (_req, res, next) => {
    res.set('Cache-Control', 'public, max-age=31536000, immutable');
    res.type('js').sendFile(REDOC_BUNDLE, (error) => error && next(error));
  });
  router.get(INIT_PATH, (_req, res) => {
    res.type('js').send(INIT_SCRIPT);
  });
  return router;
}
