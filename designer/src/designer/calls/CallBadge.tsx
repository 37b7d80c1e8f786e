/**
 * What a `journey.call` node adds to a step node (#20): the called journey's name and the version
 * it runs, under the card (absolutely placed, so the node's geometry and handles stay as they are).
 * Double-clicking the node opens the called journey.
 */
import { useCallback } from 'react';
import './calls.css';
import { useCalls } from './calls-context.js';

export interface CallInfo {
  journeyId: string;
  version: number | 'latest';
}

/** The call a step makes, when it is a `journey.call` with a literal journey id. */
export function callOf(step: { type: string; config?: Record<string, unknown> }): CallInfo | null {
  if (step.type !== 'journey.call') return null;
  const journeyId = step.config?.journeyId;
  if (typeof journeyId !== 'string' || !journeyId || journeyId.includes('{%')) return null;
  const version = typeof step.config?.version === 'number' ? step.config.version : 'latest';
  return { journeyId, version };
}

export function CallBadge({ call }: { call: CallInfo }) {
  const { journeys } = useCalls();
  const known = journeys.get(call.journeyId);
  const latest = known?.latestVersion ?? null;
  const version = call.version === 'latest' ? `latest${latest ? ` (v${latest})` : ''}` : `v${call.version}`;
  return (
    <div className={`calls-badge${known ? '' : ' calls-badge-unknown'}`} data-testid="call-badge" title="Double-click the step to open the called journey">
      <span aria-hidden="true">↪</span> <span className="calls-badge-name">{known?.name || call.journeyId}</span> · {version}
    </div>
  );
}

/** The node's double-click: opens the called journey (undefined for other steps). */
export function useOpenCall(call: CallInfo | null | undefined): (() => void) | undefined {
  const { open } = useCalls();
  const onOpen = useCallback(() => call && open(call.journeyId, call.version), [call, open]);
  return call ? onOpen : undefined;
}
