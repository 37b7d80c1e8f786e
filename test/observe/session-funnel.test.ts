/**
 * A session's funnel read off its timeline (engine/analytics/session-funnel.ts): steps entered
 * once however often visited, each outcome with the wait that led to it (from when the step asked,
 * or asked again after an error, to the answer), the step an expired session was abandoned on;
 * and the rollup increments it makes (engine/store/rows/funnel.ts).
 */
import { describe, expect, it } from 'vitest';
import { sessionFunnel } from '../../engine/analytics/session-funnel.js';
import { funnelIncrements, hourOf, waitBucket, waitBucketUpperMs } from '../../engine/store/rows/funnel.js';
import type { TimelineEvent } from '../../engine/store/store.js';

const T0 = Date.parse('2026-01-15T10:59:59.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const session = { id: 's1', journeyId: 'login', journeyVersion: 3, createdAt: at(0), stepId: null };

const timeline: TimelineEvent[] = [
  { at: at(0), stepId: 'who', type: 'form', event: 'entered' },
  { at: at(4000), stepId: 'who', type: 'form', event: 'submitted', option: 'next' },
  { at: at(4000), stepId: 'who', type: 'form', event: 'branch', branch: 'next' },
  { at: at(4000), stepId: 'pwd', type: 'password.authenticate', event: 'entered' },
  // Two wrong answers (asked again each time), then the right one.
  { at: at(9000), stepId: 'pwd', type: 'password.authenticate', event: 'submitted', option: 'verify' },
  { at: at(9000), stepId: 'pwd', type: null, event: 'error', error: { code: 'invalid_credentials', message: 'no' } },
  { at: at(10000), stepId: 'pwd', type: 'password.authenticate', event: 'submitted', option: 'verify' },
  { at: at(10000), stepId: 'pwd', type: null, event: 'error', error: { code: 'invalid_credentials', message: 'no' } },
  { at: at(13000), stepId: 'pwd', type: 'password.authenticate', event: 'submitted', option: 'verify' },
  { at: at(13000), stepId: 'pwd', type: 'password.authenticate', event: 'branch', branch: 'success' },
  // Back to the first step (a loop): entered once, left twice.
  { at: at(13000), stepId: 'who', type: 'form', event: 'entered' },
  { at: at(14000), stepId: 'who', type: 'form', event: 'submitted', option: 'next' },
  { at: at(14000), stepId: 'who', type: 'form', event: 'branch', branch: 'next' },
  { at: at(14000), stepId: 'done', type: 'complete', event: 'entered' },
  { at: at(14000), stepId: 'done', type: 'complete', event: 'ended', branch: 'completed' },
];

describe('session funnel', () => {
  it('reads entered steps, outcomes and the waits that led to them', () => {
    const funnel = sessionFunnel(session, timeline, 'completed', new Date(T0 + 20_000));
    expect(funnel).toEqual({
      sessionId: 's1',
      journeyId: 'login',
      journeyVersion: 3,
      startedAt: at(0),
      status: 'completed',
      countedAt: at(20_000),
      entered: ['who', 'pwd', 'done'],
      visits: [
        { stepId: 'who', outcome: 'branch', key: 'next', waitMs: 4000 },
        { stepId: 'pwd', outcome: 'error', key: 'invalid_credentials', waitMs: 5000 },
        { stepId: 'pwd', outcome: 'error', key: 'invalid_credentials', waitMs: 1000 },
        { stepId: 'pwd', outcome: 'branch', key: 'success', waitMs: 3000 },
        { stepId: 'who', outcome: 'branch', key: 'next', waitMs: 1000 },
        { stepId: 'done', outcome: 'ended', key: 'completed', waitMs: null },
      ],
    });
  });

  it('an expired session is abandoned on the step it waited on', () => {
    const funnel = sessionFunnel({ ...session, stepId: 'pwd' }, timeline.slice(0, 8), 'expired', new Date(T0 + 900_000));
    expect(funnel.visits.at(-1)).toEqual({ stepId: 'pwd', outcome: 'abandoned', key: '', waitMs: null });
    expect(funnel.entered).toEqual(['who', 'pwd']);
  });

  it('adds up to rollup increments in the hour the session started', () => {
    const funnel = sessionFunnel(session, timeline, 'completed', new Date(T0 + 20_000));
    const increments = funnelIncrements({ started: { journeyId: 'login', journeyVersion: 3, startedAt: at(0) }, funnel });
    const byKey = Object.fromEntries(increments.map(([, , hour, step, metric, key, n]) => [`${hour} ${step}/${metric}/${key}`, n]));
    const hour = '2026-01-15T10:00:00.000Z';
    expect(hourOf(at(0))).toBe(hour);
    expect(byKey).toEqual({
      [`${hour} /started/`]: 1,
      [`${hour} /ended/completed`]: 1,
      [`${hour} who/entered/`]: 1,
      [`${hour} pwd/entered/`]: 1,
      [`${hour} done/entered/`]: 1,
      [`${hour} who/branch/next`]: 2,
      [`${hour} who/wait/${waitBucket(4000)}`]: 1,
      [`${hour} who/wait/${waitBucket(1000)}`]: 1,
      [`${hour} pwd/error/invalid_credentials`]: 2,
      [`${hour} pwd/wait/${waitBucket(5000)}`]: 1,
      [`${hour} pwd/wait/${waitBucket(1000)}`]: 1,
      [`${hour} pwd/branch/success`]: 1,
      [`${hour} pwd/wait/${waitBucket(3000)}`]: 1,
      [`${hour} done/ended/completed`]: 1,
    });
  });

  it('wait buckets are at most 9 % wide and reported at their upper bound', () => {
    for (const ms of [0, 1, 2, 10, 999, 1000, 1001, 60_000, 3_600_000, 86_400_000]) {
      const upper = waitBucketUpperMs(waitBucket(ms));
      expect(upper).toBeGreaterThanOrEqual(ms);
      expect(upper).toBeLessThanOrEqual(Math.max(ms * 1.0906 + 1, 1));
    }
  });
});

describe('session funnel of a session that called another journey (#20)', () => {
  const called: TimelineEvent[] = [
    { at: at(0), stepId: 'outer', type: 'journey.call', event: 'entered' },
    { at: at(0), stepId: 'outer/ask', type: 'form', event: 'entered' },
    { at: at(3000), stepId: 'outer/ask', type: 'form', event: 'submitted', option: 'ok' },
    { at: at(3000), stepId: 'outer/ask', type: 'form', event: 'branch', branch: 'ok' },
    { at: at(3000), stepId: 'outer/done', type: 'complete', event: 'ended', branch: 'completed' },
    { at: at(3000), stepId: 'outer', type: 'journey.call', event: 'branch', branch: 'success' },
  ];

  it('counts only the caller\'s own steps; the called journey\'s events are its own', () => {
    const funnel = sessionFunnel({ ...session, stepId: null }, called, 'completed', new Date(T0 + 5000));
    expect(funnel.entered).toEqual(['outer']);
    expect(funnel.visits).toEqual([{ stepId: 'outer', outcome: 'branch', key: 'success', waitMs: null }]);
  });

  it('puts a session abandoned inside the called journey on the call step', () => {
    const funnel = sessionFunnel({ ...session, stepId: 'outer/ask' }, called.slice(0, 2), 'expired', new Date(T0 + 5000));
    expect(funnel.visits).toEqual([{ stepId: 'outer', outcome: 'abandoned', key: '', waitMs: null }]);
  });
});
