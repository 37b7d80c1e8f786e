/**
 * Shared helpers for the email link suites: a journey around one email.link step (the user is
 * found first, so the link is the factor that establishes them), the device cookie a start sets,
 * the link read from the dev outbox, and the link pages fetched as a browser would.
 */
import { expect } from 'vitest';
import { ADMIN_KEY, type TestServer } from '../helpers/test-server.js';

type Doc = Record<string, any>;

export const PUBLIC_URL = 'https://auth.example.test';
export const EMAIL = 'alice@example.com';

/** find the user named by `$input.email` → email.link to their address → complete (claims: email, amr) / reject (the step's error). */
export function linkJourney(id: string, link: Doc = {}, settings: Doc = {}): Doc {
  return {
    id,
    name: `Email link ${id}`,
    start: 'who',
    settings: { public: true, ...settings },
    steps: {
      who: { type: 'user.identify', config: { username: '{% $input.email %}', mode: 'find' }, branches: { success: 'link' } },
      link: {
        type: 'email.link',
        name: 'Check your email',
        config: { to: '{% $user.email %}', outputVariable: 'linked', ...link },
        errorOutputVariable: 'linkError',
        branches: { success: 'done', failure: 'failed' },
      },
      done: { type: 'complete', config: { claims: { email: '{% linked.email %}', amr: '{% $auth.amr %}' } } },
      failed: { type: 'reject', config: { code: '{% linkError.code %}', message: '{% linkError.message %}' } },
    },
  };
}

export async function createUser(server: TestServer, email = EMAIL): Promise<void> {
  await server.engine.store.users.create({ id: `user-${email}`, username: email, attributes: { email }, createdAt: server.clock.now().toISOString() });
}

export interface Started {
  status: number;
  body: any;
  /** The journey_device cookie value the response set (null: none set). */
  cookie: string | null;
  setCookie: string[];
}

/** Starts a session over HTTP, optionally as a browser that already has a device cookie. */
export async function start(server: TestServer, journeyId: string, email = EMAIL, cookie?: string): Promise<Started> {
  const response = await fetch(`${server.url}/v1/journeys/${journeyId}/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie: `journey_device=${cookie}` } : {}) },
    body: JSON.stringify({ input: { email } }),
  });
  const setCookie = response.headers.getSetCookie();
  const device = setCookie.map((c) => /^journey_device=([^;]*)/.exec(c)?.[1]).find(Boolean) ?? null;
  return { status: response.status, body: await response.json(), cookie: device, setCookie };
}

export async function submitAs(server: TestServer, session: { sessionId: string; sessionToken: string }, option: string, cookie?: string, data?: unknown) {
  const response = await fetch(`${server.url}/v1/sessions/${session.sessionId}/submit`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${session.sessionToken}`,
      ...(cookie ? { cookie: `journey_device=${cookie}` } : {}),
    },
    body: JSON.stringify(data === undefined ? { stepId: 'link', option } : { stepId: 'link', option, data }),
  });
  return { status: response.status, body: await response.json(), setCookie: response.headers.getSetCookie() };
}

export async function getSession(server: TestServer, session: { sessionId: string; sessionToken: string }) {
  return server.request('GET', `/v1/sessions/${session.sessionId}`, { token: session.sessionToken });
}

const LINK = /https:\/\/auth\.example\.test\/v1\/links\/([A-Za-z0-9_-]+)/g;

/** The messages the dev outbox holds for a session, newest first. */
export async function mails(server: TestServer, sessionId: string): Promise<Array<{ body: string; to: string; channel: string }>> {
  const listed = await server.request('GET', `/v1/admin/outbox?sessionId=${sessionId}`, { token: ADMIN_KEY });
  expect(listed.status).toBe(200);
  return listed.body;
}

/** The token of the link in the newest email of a session (exactly one link in it). */
export async function linkToken(server: TestServer, sessionId: string): Promise<string> {
  const [newest] = await mails(server, sessionId);
  expect(newest, 'an email in the outbox').toBeDefined();
  const tokens = [...newest.body.matchAll(LINK)].map((m) => m[1]);
  expect(tokens).toHaveLength(1);
  return tokens[0];
}

export interface Page {
  status: number;
  html: string;
  /** The page's data-outcome. */
  outcome: string | null;
  headers: Headers;
}

/** Opens a link page: GET, or POST (form-encoded) as its button does, with or without a device cookie. */
export async function openLink(
  server: TestServer,
  token: string,
  options: { method?: 'GET' | 'POST'; cookie?: string | null; code?: string; body?: string; contentType?: string } = {},
): Promise<Page> {
  const method = options.method ?? 'POST';
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = `journey_device=${options.cookie}`;
  let body: string | undefined;
  if (method === 'POST') {
    headers['content-type'] = options.contentType ?? 'application/x-www-form-urlencoded';
    body = options.body ?? (options.code !== undefined ? new URLSearchParams({ code: options.code }).toString() : '');
  }
  const response = await fetch(`${server.url}/v1/links/${token}`, { method, headers, body, redirect: 'manual' });
  const html = await response.text();
  return { status: response.status, html, outcome: /data-outcome="([^"]*)"/.exec(html)?.[1] ?? null, headers: response.headers };
}

/** Another browser's device cookie (43 base64url characters, as the engine draws them). */
export function otherCookie(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
}
