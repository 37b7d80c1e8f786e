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
 * first): this lists the chunks of `modules` (and what they import) in index.html as
 * modulepreloads, so the browser fetches them alongside the entry instead of after it has run.
 */
function preloadChunks(modules: string[]): Plugin {
  return {
    name: 'journey-designer:preload-chunks',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, { bundle, filename }) {
        if (!bundle || !filename.endsWith('index.html')) return;
        const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
        const files = new Set<string>();
        const visit = (file: string) => {
          if (files.has(file)) return;
          files.add(file);
          const chunk = chunks.find((c) => c.fileName === file);
          chunk?.imports.forEach(visit);
        };
        for (const module of modules) {
          const chunk = chunks.find((c) => c.facadeModuleId === module);
          if (!chunk) throw new Error(`preload-chunks: no chunk for ${module}`);
          visit(chunk.fileName);
        }
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
  plugins: [
    react(),
    // The editor too, on every page: most visits open a journey (the list is one click away from
    // it), and the editor's code is what a journey opened by its URL waits for last.
    preloadChunks([here('src/designer/mount.tsx'), here('src/designer/Editor.tsx')]),
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
