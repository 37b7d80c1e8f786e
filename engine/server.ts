/** Composition root: environment → engine (with the built-in steps) → sample journeys → HTTP server. */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { builtInSteps } from '../steps/index.js';
import { loadConfig } from './config.js';
import { loadCustomSteps } from './custom-steps.js';
import { createEngine } from './engine.js';
import { startSweeper } from './runtime/sweeper.js';
import { publishSampleJourneys } from './samples.js';
import { startupBanner } from './startup-banner.js';

const config = loadConfig();
const customSteps = await loadCustomSteps(
  (process.env.CUSTOM_STEPS ?? '').split(',').map((p) => p.trim()).filter(Boolean),
);
const engine = await createEngine(config, { steps: [...builtInSteps, ...customSteps], defaultMetrics: true });
const { logger } = engine;

const published = await publishSampleJourneys(fileURLToPath(new URL('../journeys/', import.meta.url)), engine.admin, engine.store, logger);
if (published.length) logger.info({ journeys: published }, 'published sample journeys');

const stopSweeper = startSweeper({
  store: engine.store,
  now: () => new Date(),
  retentionSeconds: config.sessionRetentionSeconds,
  intervalMs: 60_000,
  logger,
});
// Every process delivers the webhook outbox; leases keep each delivery to one process at a time.
engine.dispatcher.start();

// Once shutting down, every response closes its connection, so keep-alive clients (load
// balancers) move to another instance instead of holding this one open until the forced exit.
let shuttingDown = false;
const server = createServer((req, res) => {
  if (shuttingDown) res.setHeader('Connection', 'close');
  engine.app(req, res);
});
server.listen(config.port, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, database: config.databaseUrl.split(':')[0] }, `journey engine listening on http://localhost:${port}`);
  // The generated admin key is printed once, on the start that generated it.
  process.stdout.write(
    startupBanner({ publicUrl: config.publicUrl, port, dataDir: config.dataDir, generatedAdminKey: config.adminApiKeyGenerated ? config.adminApiKey : null }),
  );
});

function shutdown(signal: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info({ signal }, 'shutting down: draining requests in flight');
  stopSweeper();
  void engine.dispatcher.stop();
  // Idle keep-alive connections are closed now; busy ones close after their response.
  server.closeIdleConnections();
  setInterval(() => server.closeIdleConnections(), 250).unref();
  server.close(async () => {
    await engine.close();
    process.exit(0);
  });
  setTimeout(() => process.exit(1), 10_000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
