/**
 * The designer (/designer/) and the hosted runner (/run/{journeyId}) are one Vite build with two
 * entries; both load their assets from /designer/assets/. The designer imports the engine's pure
 * journey validator, so the browser and the server judge a journey the same way.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { asyncEntry, preloadChunks } from './vite-plugins.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const BASE = '/designer/';

export default defineConfig({
  root: here('.'),
  base: BASE,
  plugins: [
    react(),
    // The editor too, on every page: most visits open a journey (the list is one click away from
    // it), and the editor's code is what a journey opened by its URL waits for last.
    preloadChunks(BASE, [here('src/designer/mount.tsx'), here('src/designer/Editor.tsx')]),
    asyncEntry(),
  ],
  logLevel: 'warn',
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      input: { index: here('index.html'), run: here('run.html') },
      output: {
        // React in one chunk of its own (not split across small shared chunks): fewer requests
        // before the first render, and a name that says what it is.
        codeSplitting: { groups: [{ name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ }] },
      },
    },
  },
  worker: { format: 'es' },
  // `npx vite designer`: the designer with hot reload, the API proxied to an engine on :3000.
  server: {
    fs: { allow: [here('..')] },
    proxy: { '/v1': process.env.ENGINE_URL ?? 'http://localhost:3000' },
  },
});
