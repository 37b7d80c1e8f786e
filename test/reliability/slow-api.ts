/** A loopback API that answers after a delay, and the journey that calls it from an http.request step. */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlowApi {
  base: string;
  /** Requests received so far (to `path` only, when given). */
  received(path?: string): number;
  /** Resolves when the n-th request (1-based; to `path` only, when given) has arrived. */
  arrival(n: number, path?: string): Promise<number>;
  close(): Promise<void>;
}

export async function startSlowApi(delayMs: number): Promise<SlowApi> {
  const counts = new Map<string, number>();
  const count = (path?: string) => (path === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : (counts.get(path) ?? 0));
  const waiters: Array<{ n: number; path?: string; resolve: (at: number) => void }> = [];
  const pending = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    req.resume();
    const path = (req.url ?? '/').split('?')[0];
    counts.set(path, (counts.get(path) ?? 0) + 1);
    for (const w of waiters.filter((w) => w.n <= count(w.path))) w.resolve(Date.now());
    pending.add(res);
    const timer = setTimeout(() => {
      pending.delete(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true }));
    }, delayMs);
    res.on('close', () => {
      clearTimeout(timer);
      pending.delete(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: count,
    arrival: (n, path) => (count(path) >= n ? Promise.resolve(Date.now()) : new Promise((resolve) => waiters.push({ n, path, resolve }))),
    async close() {
      for (const res of pending) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** form `ask` (option `go`) → http.request to `url` → complete with the API's answer as a claim. */
export function slowApiJourney(id: string, url: string, timeoutMs = 20_000) {
  return {
    id,
    name: 'Slow API call',
    start: 'ask',
    settings: { public: true },
    steps: {
      ask: {
        type: 'form',
        config: { outputVariable: 'answer', options: [{ id: 'go', label: 'Go' }] },
        branches: { go: 'call' },
      },
      call: {
        type: 'http.request',
        config: { url, method: 'GET', timeoutMs, outputVariable: 'api' },
        errorOutputVariable: 'apiError',
        branches: { success: 'done', failure: 'failed' },
      },
      done: { type: 'complete', config: { claims: { apiOk: '{% api.body.ok %}' } } },
      failed: { type: 'reject', config: { code: '{% apiError.code %}', message: 'the API failed' } },
    },
  };
}
