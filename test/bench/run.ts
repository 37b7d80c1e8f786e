/**
 * `npm run bench`: every benchmark, figures printed as measured (not part of `npm test`).
 * B1 compares the engine with a hand-written server side by side, as ratios, since these
 * machines are shared and noisy; the B1 and B2 breakdowns say where the engine's CPU goes; the
 * designer's render times are measured in headless Chromium when it is installed. B4 (one against two engine processes on PostgreSQL) runs last and
 * is skipped, with a printed reason, when no PostgreSQL URL is given.
 */
import { runB1Breakdown } from './b1-breakdown.js';
import { runB1 } from './b1-login-totp.js';
import { runB2 } from './b2-steps-per-second.js';
import { runB3 } from './b3-validation.js';
import { runB4 } from './b4-scale-out.js';
import { runB5 } from './b5-passkey.js';
import { runB6 } from './b6-oidc-login.js';
import { runB7 } from './b7-analytics.js';
import { runB8 } from './b8-semantic-diff.js';
import { runB9 } from './b9-sub-journeys.js';
import { runB10 } from './b10-authsignal.js';
// Round 2 of performance (#24): password login and the memory of 100,000 waiting sessions.
import { runB11 } from './b11-password-login.js';
import { runB12 } from './b12-memory.js';
import { runDesigner } from './designer-render.js';

console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores\n`);
await runB3();
// Sub-journeys (#20): a session inline, through one call, and three calls deep.
await runB9();
// The semantic diff (#19): a save's audit diff, and the worst case of rename matching.
await runB8();
// The analytics query over a million sessions' figures (SQLite; PostgreSQL when a URL is given).
await runB7();
await runB2();
await runB1();
// Where a login's CPU goes in the engine: the parts the hand-written flow does not have.
await runB1Breakdown();
// Passkeys (issue 17): a sign-in's server time.
await runB5();
// An OpenID Connect login through the provider, phase by phase (#18).
await runB6();
// The Authsignal-compatible API through the published @authsignal/node (#22), call by call.
await runB10();
// A password login with argon2id's cost apart (#24), then one process holding 100,000 sessions.
await runB11();
await runB12();
// The designer (#24): a 500-step journey's opening view and fit view in headless Chromium
// (skipped, with the reason, when /usr/bin/chromium is missing).
await runDesigner();
// Last: it needs PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL) and says so when skipped.
await runB4();
