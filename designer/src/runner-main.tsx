import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RunnerApp } from './runner/RunnerApp.js';
import './styles/tokens.css';
import './styles/renderer.css';
import './styles/runner.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <RunnerApp />
  </StrictMode>,
);
