/**
 * A TCP proxy in front of PostgreSQL, so a suite can take "the database" away from one engine
 * process without touching the server other suites use:
 * - `down()`: stop listening and reset every connection (a restart: connection refused, then back);
 * - `partition()`: keep every socket open but let nothing through either way (packets dropped: a
 *   network partition, or a failover whose old peer vanished without a reset);
 * - `up()`: listen again on the same port and forward new connections; sockets caught by a
 *   partition stay silent forever, as they would after a failover.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string;
  down(): Promise<void>;
  partition(): void;
  up(): Promise<void>;
  close(): Promise<void>;
  /** Connections forwarded since the start. */
  connections(): number;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const silenced = new Set<Socket>();
  let forwarded = 0;
  let port = 0;
  let server: Server | null = null;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        forwarded++;
        const upstream = connect({ host: targetHost, port: targetPort });
        const pair = { client, upstream };
        pairs.add(pair);
        client.pipe(upstream);
        upstream.pipe(client);
        const drop = () => {
          pairs.delete(pair);
          client.destroy();
          upstream.destroy();
        };
        client.on('error', drop);
        upstream.on('error', drop);
        client.on('close', drop);
        upstream.on('close', drop);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });
  // The listening socket closes at once; close()'s callback would wait for every connection,
  // and partitioned ones never end.
  const stopListening = async () => {
    const s = server;
    server = null;
    s?.close();
    await new Promise((resolve) => setImmediate(resolve));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    rewrite(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    async down() {
      await stopListening();
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    partition() {
      // Nothing more goes through, and nobody is told: no FIN, no RST.
      for (const { client, upstream } of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
      // New connections are accepted by the kernel's backlog but never answered.
      server?.removeAllListeners('connection');
      server?.on('connection', (socket: Socket) => {
        socket.pause();
        silenced.add(socket);
      });
    },
    async up() {
      // After a partition: forward new connections again; the silenced ones stay silenced.
      await stopListening();
      await listen();
    },
    async close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      for (const socket of silenced) socket.destroy();
      pairs.clear();
      await stopListening();
    },
    connections: () => forwarded,
  };
}
