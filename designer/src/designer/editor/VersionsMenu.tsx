/**
 * The toolbar's Versions button and its menu: the draft and every published version, newest
 * first; picking one opens it (a published version read-only). "Compare versions…" opens the
 * review of changes between any two (#19).
 */
import { useEffect, useRef, useState } from 'react';
import './VersionsMenu.css';
import { formatDate } from '../util.js';
import type { PublishedVersion } from './load-journey.js';

export function VersionsButton({
  versions,
  current,
  onOpen,
  onCompare,
}: {
  versions: PublishedVersion[];
  current: number | null;
  onOpen: (version: number | null) => void;
  onCompare?: () => void;
}) {
  const [open, setOpen] = useState(false);
  const newestFirst = [...versions].sort((a, b) => b.version - a.version);
  return (
    <div className="menu-wrap">
      <button type="button" className="btn btn-ghost" onClick={() => setOpen((v) => !v)} aria-expanded={open} aria-haspopup="menu" data-testid="versions">
        Versions
        <span className="count-pill">{versions.length}</span>
      </button>
      {open && (
        <VersionsMenu
          versions={newestFirst}
          current={current}
          onClose={() => setOpen(false)}
          onOpen={(v) => {
            setOpen(false);
            onOpen(v);
          }}
          onCompare={
            onCompare &&
            (() => {
              setOpen(false);
              onCompare();
            })
          }
        />
      )}
    </div>
  );
}

/** Closes on a click outside it and on Escape; the first item has the focus when it opens. */
function VersionsMenu({
  versions,
  current,
  onOpen,
  onClose,
  onCompare,
}: {
  versions: PublishedVersion[];
  current: number | null;
  onOpen: (v: number | null) => void;
  onClose: () => void;
  onCompare?: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) onClose();
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    ref.current?.querySelector<HTMLElement>('[role=menuitem]')?.focus();
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [onClose]);
  return (
    <div className="menu" role="menu" ref={ref} data-testid="versions-menu">
      <button type="button" role="menuitem" className={`menu-item${current === null ? ' menu-item-current' : ''}`} onClick={() => onOpen(null)}>
        <span>Draft</span>
        <span className="menu-meta">editable</span>
      </button>
      {versions.length === 0 && <div className="menu-empty">No published version yet</div>}
      {versions.map((v) => (
        <button key={v.version} type="button" role="menuitem" className={`menu-item${current === v.version ? ' menu-item-current' : ''}`} onClick={() => onOpen(v.version)} data-version={v.version}>
          <span>Version {v.version}</span>
          <span className="menu-meta">{formatDate(v.publishedAt)}</span>
        </button>
      ))}
      {onCompare && versions.length > 0 && (
        <button type="button" role="menuitem" className="menu-item" onClick={onCompare} data-testid="compare-versions">
          <span>Compare versions…</span>
        </button>
      )}
    </div>
  );
}
