/**
 * Diagnostics counted per step, for the badges on the canvas. The map keeps its identity while
 * the counts do not change: a validation that finds what the last one found (on a clean journey,
 * every one) then re-renders no node, instead of handing React Flow all its nodes again.
 */
import { useMemo, useRef } from 'react';
import type { Diagnostic } from '../../../../engine/http/contract/types.js';
import type { StepIssues } from '../canvas/Canvas.js';

export function countStepIssues(diagnostics: Diagnostic[]): Map<string, StepIssues> {
  const map = new Map<string, StepIssues>();
  for (const d of diagnostics) {
    // A note (severity info) is no problem of the step: it shows in the panel, not as a badge.
    if (!d.stepId || d.severity === 'info') continue;
    const current = map.get(d.stepId);
    map.set(d.stepId, { severity: current?.severity === 'error' || d.severity === 'error' ? 'error' : 'warning', count: (current?.count ?? 0) + 1 });
  }
  return map;
}

function sameIssues(a: Map<string, StepIssues>, b: Map<string, StepIssues>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, issue] of a) {
    const other = b.get(id);
    if (!other || other.severity !== issue.severity || other.count !== issue.count) return false;
  }
  return true;
}

export function useStepIssues(diagnostics: Diagnostic[]): Map<string, StepIssues> {
  const last = useRef<Map<string, StepIssues> | null>(null);
  return useMemo(() => {
    const next = countStepIssues(diagnostics);
    if (last.current && sameIssues(last.current, next)) return last.current;
    last.current = next;
    return next;
  }, [diagnostics]);
}
