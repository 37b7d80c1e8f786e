/** Small helpers shared by the built-in step suites: inline journeys run over HTTP. */
import { startSession, type HttpResult, type TestServer } from '../helpers/test-server.js';

let counter = 0;

export type Steps = Record<string, Record<string, unknown>>;

/** A public journey with a fresh id; `start` is the first step unless given. */
export function journey(steps: Steps, options: { start?: string; input?: Record<string, unknown> } = {}) {
  counter += 1;
  return {
    id: `steps-${process.pid}-${counter}`,
    start: options.start ?? Object.keys(steps)[0],
    settings: { public: true },
    steps,
    ...(options.input ? { input: options.input } : {}),
  };
}

/** Publishes the journey and starts a session on it. */
export async function run(server: TestServer, steps: Steps, options: { start?: string; input?: Record<string, unknown> } = {}, input?: unknown): Promise<HttpResult> {
  const doc = journey(steps, options);
  await server.publish(doc);
  const started = await startSession(server, doc.id, input === undefined ? {} : { input });
  if (started.status !== 200) throw new Error(`start failed: ${started.status} ${JSON.stringify(started.body)}`);
  return started;
}

/** A `complete` step whose claims expose the given variables (name → expression). */
export function reveal(claims: Record<string, unknown>): Record<string, unknown> {
  return { type: 'complete', config: { claims } };
}

/** A `complete` step that exposes the whole variable `name` as claim `value`. */
export function revealVar(name: string): Record<string, unknown> {
  return reveal({ value: `{% ${name} %}` });
}

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, any> } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
  };
}

/** The admin timeline of a session. */
export async function timeline(server: TestServer, sessionId: string): Promise<Array<Record<string, any>>> {
  const res = await server.admin('GET', `/v1/admin/sessions/${sessionId}`);
  if (res.status !== 200) throw new Error(`session lookup failed: ${res.status}`);
  return res.body.timeline;
}
