/** Build plugins for the designer's start-up (see designer-main.tsx). */
import type { Plugin } from 'vite';

/**
 * The designer's entry is tiny and imports the app dynamically (it starts the data requests
 * first): this lists the chunks of `modules` (and what they import) in index.html as
 * modulepreloads, so the browser fetches them alongside the entry instead of after it has run.
 */
export function preloadChunks(base: string, modules: string[]): Plugin {
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
          .filter((file) => !html.includes(`${base}${file}`))
          .map((file) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `${base}${file}` }, injectTo: 'head' as const }));
      },
    },
  };
}

/**
 * The entry script of index.html runs as soon as it arrives (async), not after the stylesheets
 * have loaded as a deferred module script would: it only starts requests, and it mounts the app
 * once the stylesheets are in (designer-main.tsx).
 */
export function asyncEntry(): Plugin {
  return {
    name: 'journey-designer:async-entry',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, { filename }) {
        if (!filename.endsWith('index.html')) return;
        const entry = /<script type="module" crossorigin src="([^"]+)"><\/script>/;
        if (!entry.test(html)) throw new Error('async-entry: no entry script in index.html');
        return html.replace(entry, '<script type="module" async crossorigin src="$1"></script>');
      },
    },
  };
}
