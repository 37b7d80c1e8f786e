/** Live diagnostics from the engine's own validator: errors first; clicking one selects its step. */
import { memo, useState } from 'react';
import './Diagnostics.css';
import type { Diagnostic } from '../../../../engine/http/contract/types.js';
import type { Explained } from '../model/messages.js';

export interface DiagnosticsProps {
  diagnostics: Diagnostic[];
  onSelect: (diagnostic: Diagnostic) => void;
  /** A sentence a person understands for each diagnostic (model/messages.ts); the raw message on hover. */
  explain?: (diagnostic: Diagnostic) => Explained;
}

export const Diagnostics = memo(function Diagnostics({ diagnostics, onSelect, explain }: DiagnosticsProps) {
  const [open, setOpen] = useState(true);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  // Notes (severity info, e.g. undeclared_outputs) are listed last and counted in neither.
  const notes = diagnostics.filter((d) => d.severity === 'info');
  const sorted = [...errors, ...warnings, ...notes];
  return (
    <section className={`je-diagnostics${open ? '' : ' je-diagnostics-closed'}`} data-testid="diagnostics" aria-label="Problems">
      <button type="button" className="dg-head" onClick={() => setOpen((v) => !v)} aria-expanded={open}>
        <span className="dg-title">Problems</span>
        <span className={`dg-count dg-count-error${errors.length ? '' : ' dg-zero'}`} data-testid="diagnostics-errors">
          {errors.length} {errors.length === 1 ? 'error' : 'errors'}
        </span>
        <span className={`dg-count dg-count-warning${warnings.length ? '' : ' dg-zero'}`} data-testid="diagnostics-warnings">
          {warnings.length} {warnings.length === 1 ? 'warning' : 'warnings'}
        </span>
        {diagnostics.length === 0 && <span className="dg-ok">The journey is valid</span>}
        <svg className="dg-chevron" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
          <path fill="currentColor" d="M4.47 9.53 8 6l3.53 3.53-1.06 1.06L8 8.12l-2.47 2.47-1.06-1.06Z" />
        </svg>
      </button>
      {open && sorted.length > 0 && (
        <ul className="dg-list">
          {sorted.map((d, i) => (
            <li key={`${d.code}:${d.path}:${i}`}>
              <button type="button" className={`dg-item dg-${d.severity}`} onClick={() => onSelect(d)} data-code={d.code} data-step={d.stepId ?? ''}>
                <span className="dg-icon" aria-label={d.severity}>
                  {d.severity === 'error' ? '●' : d.severity === 'warning' ? '▲' : 'ℹ'}
                </span>
                <span className="dg-step">{d.stepId ?? 'journey'}</span>
                <span className="dg-message" title={explain ? d.message : undefined} data-raw={d.message}>
                  {explain ? explain(d).text : d.message}
                  {d.suggestion && (
                    <span className="dg-suggestion" data-testid="diagnostic-suggestion">
                      {' '}Suggestion: <code>{d.suggestion}</code>
                    </span>
                  )}
                </span>
                <code className="dg-code">{d.code}</code>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
});
