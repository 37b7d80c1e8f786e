/**
 * The engine as a child process for benchmarks:
 * `tsx test/bench/engine-server.ts <dataDir> <port> <secretKeyHex> [databaseUrl]`.
 * Without a database URL it runs on SQLite in dataDir (B1). The URL is an argument rather than
 * DATABASE_URL from the environment, so a DATABASE_URL set in the shell cannot move B1 off SQLite.
 */
import { pino } from 'pino';
import { loadConfig } from '../../engine/config.js';
import { createEngine } from '../../engine/engine.js';
import { builtInSteps } from '../../steps/index.js';

const [dataDir, portText, secretKeyHex, databaseUrl] = process.argv.slice(2);
const engine = await createEngine(
  loadConfig({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl, ADMIN_API_KEY: 'bench-admin-key', SECRET_KEY: secretKeyHex, RATE_LIMITS: 'off', LOG_LEVEL: 'silent' }),
  { steps: builtInSteps, logger: pino({ level: 'silent' }) },
);
const server = engine.app.listen(Number(portText), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => engine.close().then(() => process.exit(0))));
