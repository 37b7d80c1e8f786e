/**
 * The palette's "Journeys" group (#20): every published journey other than this one, as a block
 * to call. Double-click or Enter adds a `journey.call` step calling its latest version.
 */
import { memo } from 'react';
import { categoryColour } from '../categories.js';
import { compareText } from '../util.js';
import { useCalls } from './calls-context.js';

export const JourneyBlocks = memo(function JourneyBlocks({ journeyId, disabled, onAdd }: { journeyId: string; disabled: boolean; onAdd: (calledId: string, name: string) => void }) {
  const { journeys } = useCalls();
  const blocks = [...journeys.values()].filter((j) => j.id !== journeyId && j.latestVersion !== null).sort((a, b) => compareText(a.name || a.id, b.name || b.id));
  if (blocks.length === 0) return null;
  return (
    <section className="pal-group" aria-label="Journeys to call">
      <h3 className="pal-group-title">Journeys</h3>
      <ul className="pal-list">
        {blocks.map((j) => (
          <li key={j.id}>
            <div
              className={`pal-item${disabled ? ' pal-item-disabled' : ''}`}
              style={{ '--cat': categoryColour('logic') } as React.CSSProperties}
              tabIndex={disabled ? -1 : 0}
              role="button"
              aria-disabled={disabled || undefined}
              aria-label={`Add a call to ${j.name || j.id}`}
              title={`Calls ${j.id} (latest: v${j.latestVersion})`}
              data-testid={`palette-journey-${j.id}`}
              onDoubleClick={() => !disabled && onAdd(j.id, j.name || j.id)}
              onKeyDown={(e) => {
                if ((e.key === 'Enter' || e.key === ' ') && !disabled) {
                  e.preventDefault();
                  onAdd(j.id, j.name || j.id);
                }
              }}
            >
              <span className="pal-dot" aria-hidden="true" />
              <span className="pal-text">
                <span className="pal-title">{j.name || j.id}</span>
                <span className="pal-type">journey.call · v{j.latestVersion}</span>
              </span>
            </div>
          </li>
        ))}
      </ul>
      <p className="calls-blocks-hint">Double-click a journey to call it.</p>
    </section>
  );
});
