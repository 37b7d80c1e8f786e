/**
 * A <select> of the journey's steps. Its options (one per step: 500 on a large journey, in every
 * branch row) are rendered when the select is first pointed at, focused or typed into; until then
 * it holds only the chosen one. The editor then opens, and re-renders on every edit, without
 * building those elements.
 */
import { useMemo, useState } from 'react';
import type { StepDoc } from '../../../../engine/http/contract/journey-document.js';
import { compareText } from '../util.js';

export interface StepSelectProps {
  id: string;
  value: string;
  steps: Record<string, StepDoc>;
  disabled: boolean;
  onChange: (value: string) => void;
  /** An option with the value "" shown first (such as "Not connected"). */
  none?: string;
  /** The text for a step (its id by default). */
  label?: (id: string, step: StepDoc) => string;
}

export function StepSelect({ id, value, steps, disabled, onChange, none, label = (s) => s }: StepSelectProps) {
  const [open, setOpen] = useState(false);
  const ids = useMemo(() => (open ? Object.keys(steps).sort(compareText) : []), [open, steps]);
  const expand = () => setOpen(true);
  const shown = open ? ids : value && steps[value] ? [value] : [];
  return (
    <select id={id} className="ins-input" value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} onPointerDown={expand} onFocus={expand} onKeyDown={expand}>
      {none !== undefined && <option value="">{none}</option>}
      {!steps[value] && (value || none === undefined) && <option value={value}>{value || '—'} (missing)</option>}
      {shown.map((s) => (
        <option key={s} value={s}>
          {label(s, steps[s])}
        </option>
      ))}
    </select>
  );
}
