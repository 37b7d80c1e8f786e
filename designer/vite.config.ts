/**
 * The designer (/designer/) and the hosted runner (/run/{journeyId}) are one Vite build with two
 * entries; both load their assets from /designer/assets/. The designer imports the engine's pure
 * journey validator, so the browser and the server judge a journey the same way.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/designer/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      input: { index: here('index.html'), run: here('run.html') },
    },
  },
  worker: { format: 'es' },
  // `npx vite designer`: the designer with hot reload, the API proxied to an engine on :3000.
  server: {
    fs: { allow: [here('..')] },
    proxy: { '/v1': process.env.ENGINE_URL ?? 'http://localhost:3000' },
  },
});
