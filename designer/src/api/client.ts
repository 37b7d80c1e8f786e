/** The client API (session token) that the runner and the designer's test panel speak. */
import { requestJson } from './http.js';
import type { StepResponse } from '../../../engine/http/contract/types.js';

const enc = encodeURIComponent;

export async function startJourney(journeyId: string, body: { input?: unknown; ui?: { redirectUrl?: string } } = {}): Promise<StepResponse> {
  return (await requestJson<StepResponse>(`/v1/journeys/${enc(journeyId)}/start`, { method: 'POST', body })).body;
}

export async function getSession(sessionId: string, token: string): Promise<StepResponse> {
  return (await requestJson<StepResponse>(`/v1/sessions/${enc(sessionId)}`, { token })).body;
}

export async function submitStep(session: { sessionId: string; sessionToken: string }, stepId: string, option: string, data?: unknown): Promise<StepResponse> {
  const body = data === undefined ? { stepId, option } : { stepId, option, data };
  return (await requestJson<StepResponse>(`/v1/sessions/${enc(session.sessionId)}/submit`, { method: 'POST', token: session.sessionToken, body })).body;
}

