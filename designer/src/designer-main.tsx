/**
 * The designer's entry: deliberately tiny, with no static import of React, so it runs as soon as
 * the page is parsed and starts the data requests (and the editor's code) in parallel with the
 * download of the app itself.
 */
import '@xyflow/react/dist/base.css';
import './styles/tokens.css';
import './styles/renderer.css';
import './styles/designer.css';
import { prefetchForPage } from './designer/prefetch.js';

prefetchForPage(window.location.pathname);
void import('./designer/mount.js').then(({ mount }) => mount(document.getElementById('root')!));
