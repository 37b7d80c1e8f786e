/**
 * A session's funnel, read off its timeline once it has ended or expired: the steps it entered,
 * how it left each visit (branch, error code, where it ended, or abandoned), and how long the
 * client took to answer each step. This is the one reader of timelines for analytics: when the
 * timeline's storage changes, only this changes.
 */
import type { SessionFunnel, StepVisit, TimelineEvent } from '../store/store.js';

export interface FunnelSession {
  id: string;
  journeyId: string;
  journeyVersion: number;
  createdAt: string;
  /** The step it waits on (for an expired session: where it was abandoned). */
  stepId: string | null;
}

export function sessionFunnel(session: FunnelSession, timeline: readonly TimelineEvent[], status: SessionFunnel['status'], at: Date): SessionFunnel {
  const entered: string[] = [];
  const visits: StepVisit[] = [];
  /** When each step last asked the client (entered, or asked again after an error). */
  const askedAt = new Map<string, number>();
  /** The wait of a step's latest answer, taken by the outcome that follows it. */
  const answered = new Map<string, number>();
  const takeWait = (stepId: string) => {
    const wait = answered.get(stepId);
    answered.delete(stepId);
    return wait ?? null;
  };

  for (const event of timeline) {
    const stepId = event.stepId;
    // A called journey's events (`call/child`) are its own journey's steps, not this one's (#20).
    if (stepId === null || stepId.includes('/')) continue;
    const time = Date.parse(event.at);
    switch (event.event) {
      case 'entered':
        if (!entered.includes(stepId)) entered.push(stepId);
        askedAt.set(stepId, time);
        break;
      case 'submitted': {
        const since = askedAt.get(stepId);
        if (since !== undefined) answered.set(stepId, Math.max(0, time - since));
        break;
      }
      case 'error':
        visits.push({ stepId, outcome: 'error', key: event.error?.code ?? 'error', waitMs: takeWait(stepId) });
        askedAt.set(stepId, time);
        break;
      case 'branch':
        visits.push({ stepId, outcome: 'branch', key: event.branch ?? '', waitMs: takeWait(stepId) });
        break;
      case 'ended':
        visits.push({ stepId, outcome: 'ended', key: event.branch ?? status, waitMs: takeWait(stepId) });
        break;
    }
  }
  // Abandoned inside a called journey: on the call step, for this journey.
  if (status === 'expired' && session.stepId !== null) visits.push({ stepId: session.stepId.split('/')[0], outcome: 'abandoned', key: '', waitMs: null });
  return {
    sessionId: session.id,
    journeyId: session.journeyId,
    journeyVersion: session.journeyVersion,
    startedAt: session.createdAt,
    status,
    countedAt: at.toISOString(),
    entered,
    visits,
  };
}
