/**
 * A webhook receiver on loopback, as a subscriber would write one: it verifies every request
 * with the `standardwebhooks` package (the reference implementation of the specification),
 * processes each webhook-id once (deduplicating retries, as the specification asks receivers to),
 * and answers what the test tells it to: a status, or nothing at all (`hold`). It also tracks how
 * many requests of each webhook-id are open at once.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  headers: Record<string, string>;
  body: string;
  /** The verified payload, or null when verification failed. */
  payload: { type: string; timestamp: string; data: Record<string, unknown> } | null;
  verifyError: string | null;
  at: number;
}

/** A status at once, a status after a delay, or no answer at all. */
export type Answer = number | { status: number; afterMs: number } | 'hold';

export interface Receiver {
  url: string;
  received: Received[];
  /** Payloads processed once per webhook-id (verified requests only). */
  processed: Map<string, Received['payload']>;
  /** The most requests of one webhook-id seen open at the same time. */
  maxConcurrentPerId(): number;
  setSecret(secret: string): void;
  answer: (request: Received) => Answer;
  /** Resolves once `n` requests have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  let webhook: Webhook | null = null;
  const open = new Map<string, number>();
  let maxOpen = 0;
  const held: ServerResponse[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];

  const receiver: Receiver = {
    url: '',
    received: [],
    processed: new Map(),
    maxConcurrentPerId: () => maxOpen,
    setSecret(secret) {
      webhook = new Webhook(secret);
    },
    answer: () => 204,
    waitFor(n, timeoutMs = 15_000) {
      if (receiver.received.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${receiver.received.length} of ${n} webhook requests arrived`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const id = headers['webhook-id'] ?? '';
      let payload: Received['payload'] = null;
      let verifyError: string | null = null;
      try {
        if (!webhook) throw new Error('no secret set');
        payload = webhook.verify(body, headers) as Received['payload'];
      } catch (error) {
        verifyError = (error as Error).message;
      }
      const request: Received = { id, headers, body, payload, verifyError, at: Date.now() };
      receiver.received.push(request);
      open.set(id, (open.get(id) ?? 0) + 1);
      maxOpen = Math.max(maxOpen, open.get(id)!);
      const done = () => open.set(id, open.get(id)! - 1);
      res.on('close', done);
      for (const waiter of waiters.filter((w) => receiver.received.length >= w.n)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const answer = receiver.answer(request);
      if (answer === 'hold') {
        held.push(res);
        return;
      }
      const reply = (status: number) => {
        // Processed once per id, and only when it is acknowledged with a 2xx.
        if (payload && status >= 200 && status < 300 && !receiver.processed.has(id)) receiver.processed.set(id, payload);
        res.statusCode = status;
        res.end();
      };
      if (typeof answer === 'number') reply(answer);
      else setTimeout(() => reply(answer.status), answer.afterMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}
