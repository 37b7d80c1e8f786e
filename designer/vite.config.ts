/**
 * The designer (/designer/) and the hosted runner (/run/{journeyId}) are one Vite build with two
 * entries; both load their assets from /designer/assets/. The designer imports the engine's pure
 * journey validator, so the browser and the server judge a journey the same way.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const BASE = '/designer/';

/**
 * The designer's entry is tiny and imports the app dynamically (it starts the data requests
 * first): this lists the app's chunks in index.html as modulepreloads, so the browser fetches
 * them alongside the entry instead of after it has run.
 */
function preloadApp(module: string): Plugin {
  return {
    name: 'journey-designer:preload-app',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, { bundle, filename }) {
        if (!bundle || !filename.endsWith('index.html')) return;
        const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
        const app = chunks.find((c) => c.facadeModuleId === module);
        if (!app) throw new Error(`preload-app: no chunk for ${module}`);
        const files = new Set<string>();
        const visit = (file: string) => {
          if (files.has(file)) return;
          files.add(file);
          const chunk = chunks.find((c) => c.fileName === file);
          chunk?.imports.forEach(visit);
        };
        visit(app.fileName);
        return [...files]
          .filter((file) => !html.includes(`${BASE}${file}`))
          .map((file) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `${BASE}${file}` }, injectTo: 'head' as const }));
      },
    },
  };
}

export default defineConfig({
  root: here('.'),
  base: BASE,
  plugins: [react(), preloadApp(here('src/designer/mount.tsx'))],
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
