/**
 * Outcomes over time as stacked SVG bars (no chart library): one bar per point of the series,
 * completed, rejected, failed and expired stacked, with the started count as a line.
 */
import type { JourneyAnalytics } from '../../../../engine/http/contract/types.js';

export const OUTCOMES = ['completed', 'rejected', 'failed', 'expired'] as const;

const WIDTH = 296;
const HEIGHT = 120;
const PAD = { top: 8, bottom: 18, left: 4, right: 4 };

/** Points per bucket: hours for up to two days, else days (bucketed here from the hourly series). */
export function bucketSeries(series: JourneyAnalytics['series'], from: string, to: string) {
  const span = Date.parse(to) - Date.parse(from);
  const size = span <= 2 * 86_400_000 ? 3_600_000 : 86_400_000;
  const buckets: Array<JourneyAnalytics['series'][number]> = [];
  for (let t = Math.floor(Date.parse(from) / size) * size; t < Date.parse(to); t += size) {
    buckets.push({ at: new Date(t).toISOString(), started: 0, completed: 0, rejected: 0, failed: 0, expired: 0 });
  }
  for (const point of series) {
    const index = Math.floor((Date.parse(point.at) - Date.parse(buckets[0]?.at ?? from)) / size);
    const bucket = buckets[index];
    if (!bucket) continue;
    for (const key of ['started', ...OUTCOMES] as const) bucket[key] += point[key];
  }
  return { buckets, hourly: size === 3_600_000 };
}

export function OutcomeChart({ analytics }: { analytics: JourneyAnalytics }) {
  const { buckets, hourly } = bucketSeries(analytics.series, analytics.from, analytics.to);
  const max = Math.max(1, ...buckets.map((b) => Math.max(b.started, OUTCOMES.reduce((s, k) => s + b[k], 0))));
  const inner = { w: WIDTH - PAD.left - PAD.right, h: HEIGHT - PAD.top - PAD.bottom };
  const step = inner.w / Math.max(1, buckets.length);
  const y = (v: number) => PAD.top + inner.h - (v / max) * inner.h;
  const line = buckets.map((b, i) => `${(PAD.left + step * (i + 0.5)).toFixed(1)},${y(b.started).toFixed(1)}`).join(' ');
  const label = (iso: string) => (hourly ? iso.slice(11, 16) : iso.slice(5, 10));
  return (
    <figure className="an-chart" data-testid="outcome-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-label="Outcomes over time">
        <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(0)} y2={y(0)} className="an-axis" />
        {buckets.map((b, i) => {
          let top = y(0);
          return (
            <g key={b.at} data-at={b.at}>
              <title>{`${b.at}: ${b.started} started, ${OUTCOMES.map((k) => `${b[k]} ${k}`).join(', ')}`}</title>
              {OUTCOMES.map((k) => {
                if (!b[k]) return null;
                const h = (b[k] / max) * inner.h;
                top -= h;
                return <rect key={k} className={`an-bar an-${k}`} x={PAD.left + step * i + step * 0.15} width={Math.max(1, step * 0.7)} y={top} height={h} data-outcome={k} data-count={b[k]} />;
              })}
            </g>
          );
        })}
        <polyline className="an-started" points={line} />
        {buckets.length > 0 && (
          <>
            <text x={PAD.left} y={HEIGHT - 4} className="an-tick">
              {label(buckets[0].at)}
            </text>
            <text x={WIDTH - PAD.right} y={HEIGHT - 4} className="an-tick an-tick-end">
              {label(buckets[buckets.length - 1].at)}
            </text>
          </>
        )}
      </svg>
      <figcaption className="an-legend">
        {OUTCOMES.map((k) => (
          <span key={k}>
            <i className={`an-swatch an-${k}`} aria-hidden="true" /> {k}
          </span>
        ))}
        <span>
          <i className="an-swatch an-started-swatch" aria-hidden="true" /> started
        </span>
      </figcaption>
    </figure>
  );
}
