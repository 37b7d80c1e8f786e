/** Shared helpers for the Authsignal-compatible API suites. */
import { readFileSync } from 'node:fs';
import type { TestServer } from '../helpers/test-server.js';

export function loadAdaptiveMfa(): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL('../../journeys/adaptive-mfa.json', import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** A client call as @authsignal/browser makes it (Bearer token from track, JSON body). */
export async function clientCall(server: TestServer, path: string, token: string, body?: unknown) {
  return server.request('POST', `/authsignal/v1/client${path}`, { token, ...(body !== undefined ? { body } : {}) });
}

/**
 * The seeds' backend handling of a track response (seeds 000 and 004), verbatim in spirit:
 * CHALLENGE_REQUIRED → the token for the client; ALLOW → success; BLOCK → an error.
 */
export function handleTrack(trackResponse: { state: string; token: string }): { token?: string; success?: boolean; error?: string } {
  if (trackResponse.state === 'CHALLENGE_REQUIRED') {
    return { token: trackResponse.token };
  } else if (trackResponse.state === 'ALLOW') {
    return { success: true };
  } else if (trackResponse.state === 'BLOCK') {
    return { error: 'Action blocked for security reasons' };
  }
  return { error: `Action needs review (${trackResponse.state})` };
}
