/**
 * `npm run bench`: every benchmark, figures printed as measured (not part of `npm test`).
 * B1 compares the engine with a hand-written server side by side, as ratios, since these
 * machines are shared and noisy.
 */
import { runB1 } from './b1-login-totp.js';
import { runB2 } from './b2-steps-per-second.js';
import { runB3 } from './b3-validation.js';

console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores\n`);
await runB3();
await runB2();
await runB1();
