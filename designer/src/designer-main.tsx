import '@xyflow/react/dist/base.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './designer/App.js';
import './styles/tokens.css';
import './styles/renderer.css';
import './styles/designer.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
