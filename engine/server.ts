/** Composition root: environment → engine (with the built-in steps) → sample journeys → HTTP server. */
import { fileURLToPath } from 'node:url';
import { builtInSteps } from '../steps/index.js';
import { loadConfig } from './config.js';
import { loadCustomSteps } from './custom-steps.js';
import { createEngine } from './engine.js';
import { startSweeper } from './runtime/sweeper.js';
import { publishSampleJourneys } from './samples.js';

const config = loadConfig();
const customSteps = await loadCustomSteps(
  (process.env.CUSTOM_STEPS ?? '').split(',').map((p) => p.trim()).filter(Boolean),
);
const engine = await createEngine(config, { steps: [...builtInSteps, ...customSteps], defaultMetrics: true });
const { logger } = engine;

if (config.adminApiKeyGenerated) {
  // Printed once, on the start that generated it; it is kept in DATA_DIR/admin-api-key.
  process.stdout.write(`\nGenerated ADMIN_API_KEY (kept in ${config.dataDir}/admin-api-key):\n  ${config.adminApiKey}\n\n`);
}
const published = await publishSampleJourneys(fileURLToPath(new URL('../journeys/', import.meta.url)), engine.admin, engine.store, logger);
if (published.length) logger.info({ journeys: published }, 'published sample journeys');

const stopSweeper = startSweeper({
  store: engine.store,
  now: () => new Date(),
  retentionSeconds: config.sessionRetentionSeconds,
  intervalMs: 60_000,
  logger,
});

const server = engine.app.listen(config.port, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, database: config.databaseUrl.split(':')[0] }, `journey engine listening on http://localhost:${port}`);
});

function shutdown(signal: string) {
  logger.info({ signal }, 'shutting down: draining requests in flight');
  stopSweeper();
  server.close(async () => {
    await engine.close();
    process.exit(0);
  });
  setTimeout(() => process.exit(1), 10_000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
