/**
 * The step palette, built from GET /v1/admin/steps (custom steps appear with no designer change):
 * grouped by category, searchable; drag an item onto the canvas, or press Enter / double-click
 * to add it in the middle of the view.
 */
import { memo, useMemo, useState } from 'react';
import './Palette.css';
import type { StepCatalogueEntry as CatalogueEntry } from '../../../../engine/http/contract/types.js';
import { PALETTE_MIME } from '../canvas/Canvas.js';
import { categoryColour, categoryLabel, categoryRank } from '../categories.js';
import { compareText } from '../util.js';

export interface PaletteProps {
  catalogue: CatalogueEntry[];
  disabled: boolean;
  onAdd: (type: string) => void;
  /** Published journeys to call (sub-journeys, calls/JourneyBlocks.tsx), after the step groups. */
  blocks?: React.ReactNode;
}

export const Palette = memo(function Palette({ catalogue, disabled, onAdd, blocks }: PaletteProps) {
  const [query, setQuery] = useState('');
  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const matches = catalogue.filter(
      (e) => !q || e.title.toLowerCase().includes(q) || e.type.toLowerCase().includes(q) || e.description.toLowerCase().includes(q) || e.category.toLowerCase().includes(q),
    );
    const byCategory = new Map<string, CatalogueEntry[]>();
    for (const entry of matches) {
      const list = byCategory.get(entry.category) ?? [];
      list.push(entry);
      byCategory.set(entry.category, list);
    }
    return [...byCategory.entries()]
      .sort(([a], [b]) => categoryRank(a) - categoryRank(b) || compareText(a, b))
      .map(([category, entries]) => ({ category, entries: entries.sort((a, b) => compareText(a.title, b.title)) }));
  }, [catalogue, query]);

  return (
    <aside className="je-palette" aria-label="Steps">
      <div className="pal-search">
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
          <path fill="currentColor" d="M7 1.5a5.5 5.5 0 0 1 4.38 8.82l3.15 3.15-1.06 1.06-3.15-3.15A5.5 5.5 0 1 1 7 1.5Zm0 1.5a4 4 0 1 0 0 8 4 4 0 0 0 0-8Z" />
        </svg>
        <input type="search" placeholder="Search steps" aria-label="Search steps" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="palette-search" />
      </div>
      <div className="pal-groups">
        {groups.length === 0 && <p className="pal-empty">No step matches “{query}”.</p>}
        {groups.map(({ category, entries }) => (
          <section key={category} className="pal-group">
            <h3 className="pal-group-title">{categoryLabel(category)}</h3>
            <ul className="pal-list">
              {entries.map((entry) => (
                <li key={entry.type}>
                  <div
                    className={`pal-item${disabled ? ' pal-item-disabled' : ''}`}
                    style={{ '--cat': categoryColour(entry.category) } as React.CSSProperties}
                    draggable={!disabled}
                    tabIndex={disabled ? -1 : 0}
                    role="button"
                    aria-disabled={disabled || undefined}
                    aria-label={`Add ${entry.title} step`}
                    title={entry.description}
                    data-testid={`palette-${entry.type}`}
                    onDragStart={(e) => {
                      e.dataTransfer.setData(PALETTE_MIME, entry.type);
                      e.dataTransfer.setData('text/plain', entry.type);
                      e.dataTransfer.effectAllowed = 'copy';
                    }}
                    onDoubleClick={() => !disabled && onAdd(entry.type)}
                    onKeyDown={(e) => {
                      if ((e.key === 'Enter' || e.key === ' ') && !disabled) {
                        e.preventDefault();
                        onAdd(entry.type);
                      }
                    }}
                  >
                    <span className="pal-dot" aria-hidden="true" />
                    <span className="pal-text">
                      <span className="pal-title">{entry.title}</span>
                      <span className="pal-type">{entry.type}</span>
                    </span>
                  </div>
                </li>
              ))}
            </ul>
          </section>
        ))}
        {blocks}
      </div>
      <p className="pal-hint">Drag a step onto the canvas, or focus it and press Enter.</p>
    </aside>
  );
});
