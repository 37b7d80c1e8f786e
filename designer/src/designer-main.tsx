/**
 * The designer's entry: deliberately tiny, with no static import of React, and loaded async (see
 * vite-plugins.ts), so it runs as soon as it arrives and starts the data requests (and the
 * editor's code) in parallel with the download of the app itself. The app mounts once the page's
 * stylesheets are in: React Flow measures its pane as soon as it renders.
 */
import '@xyflow/react/dist/base.css';
import './styles/tokens.css';
import './styles/renderer.css';
import './styles/designer.css';
import { prefetchForPage } from './designer/prefetch.js';

prefetchForPage(window.location.pathname);

function stylesheetsLoaded(): Promise<unknown> {
  const pending = [...document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')].filter((link) => !link.sheet);
  return Promise.all(
    pending.map(
      (link) =>
        new Promise((settle) => {
          link.addEventListener('load', settle, { once: true });
          link.addEventListener('error', settle, { once: true });
        }),
    ),
  );
}

function documentParsed(): Promise<unknown> {
  if (document.readyState !== 'loading') return Promise.resolve();
  return new Promise((settle) => document.addEventListener('DOMContentLoaded', settle, { once: true }));
}

void Promise.all([import('./designer/mount.js'), documentParsed().then(stylesheetsLoaded)]).then(([{ mount }]) => mount(document.getElementById('root')!));
