/** The engine as a child process for benchmarks: `tsx test/bench/engine-server.ts <dataDir> <port> <secretKeyHex>`. */
import { pino } from 'pino';
import { loadConfig } from '../../engine/config.js';
import { createEngine } from '../../engine/engine.js';
import { builtInSteps } from '../../steps/index.js';

const [dataDir, portText, secretKeyHex] = process.argv.slice(2);
const engine = await createEngine(
  loadConfig({ DATA_DIR: dataDir, ADMIN_API_KEY: 'bench-admin-key', SECRET_KEY: secretKeyHex, RATE_LIMITS: 'off', LOG_LEVEL: 'silent' }),
  { steps: builtInSteps, logger: pino({ level: 'silent' }) },
);
const server = engine.app.listen(Number(portText), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => engine.close().then(() => process.exit(0))));
