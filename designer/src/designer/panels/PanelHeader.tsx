/** The right-hand panels' heading (test run, analytics, review): title, a line under it, and Close. */
import './side-panel.css';

export function PanelHeader({ title, subtitle, closeLabel, onClose, className }: { title: string; subtitle: string; closeLabel: string; onClose: () => void; className?: string }) {
  return (
    <header className={className ? `run-head ${className}` : 'run-head'}>
      <div>
        <h2 className="ins-title">{title}</h2>
        <div className="ins-subtitle">{subtitle}</div>
      </div>
      <button type="button" className="icon-btn" onClick={onClose} aria-label={closeLabel} title="Close">
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
          <path fill="currentColor" d="M4.28 3.22 8 6.94l3.72-3.72 1.06 1.06L9.06 8l3.72 3.72-1.06 1.06L8 9.06l-3.72 3.72-1.06-1.06L6.94 8 3.22 4.28l1.06-1.06Z" />
        </svg>
      </button>
    </header>
  );
}
