/**
 * Dialogs (confirm, and forms) and toasts, through one provider: `useFeedback()` answers
 * `confirm({...}) → Promise<boolean>`, `dialog(render) → Promise<T | null>` and `toast(message)`.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import './feedback.css';

export interface ConfirmOptions {
  title: string;
  message?: ReactNode;
  confirmLabel?: string;
  cancelLabel?: string;
  danger?: boolean;
}

export interface Toast {
  id: number;
  message: string;
  tone: 'info' | 'success' | 'error';
}

interface Feedback {
  confirm(options: ConfirmOptions): Promise<boolean>;
  dialog<T>(render: (close: (value: T | null) => void) => ReactNode): Promise<T | null>;
  toast(message: string, tone?: Toast['tone']): void;
}

const FeedbackContext = createContext<Feedback | null>(null);

export function useFeedback(): Feedback {
  const value = useContext(FeedbackContext);
  if (!value) throw new Error('useFeedback outside FeedbackProvider');
  return value;
}

export function FeedbackProvider({ children }: { children: ReactNode }) {
  const [modal, setModal] = useState<ReactNode>(null);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const counter = useRef(0);

  const dialog = useCallback(<T,>(render: (close: (value: T | null) => void) => ReactNode) => {
    return new Promise<T | null>((resolve) => {
      const close = (value: T | null) => {
        setModal(null);
        resolve(value);
      };
      setModal(render(close));
    });
  }, []);

  const confirm = useCallback(
    (options: ConfirmOptions) =>
      dialog<boolean>((close) => (
        <Modal title={options.title} onClose={() => close(false)}>
          {options.message && <div className="dlg-message">{options.message}</div>}
          <div className="dlg-actions">
            <button type="button" className="btn" onClick={() => close(false)}>
              {options.cancelLabel ?? 'Cancel'}
            </button>
            <button type="button" className={`btn ${options.danger ? 'btn-danger' : 'btn-primary'}`} onClick={() => close(true)} data-autofocus data-testid="dialog-confirm">
              {options.confirmLabel ?? 'OK'}
            </button>
          </div>
        </Modal>
      )).then((v) => v === true),
    [dialog],
  );

  const toast = useCallback((message: string, tone: Toast['tone'] = 'info') => {
    const id = ++counter.current;
    setToasts((list) => [...list.slice(-3), { id, message, tone }]);
    setTimeout(() => setToasts((list) => list.filter((t) => t.id !== id)), tone === 'error' ? 6000 : 3200);
  }, []);

  const value = useMemo(() => ({ confirm, dialog, toast }), [confirm, dialog, toast]);
  return (
    <FeedbackContext.Provider value={value}>
      {children}
      {modal}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.tone}`} data-testid="toast">
            {t.tone === 'success' && (
              <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
                <path fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" d="m3.5 8.5 3 3 6-7" />
              </svg>
            )}
            {t.message}
          </div>
        ))}
      </div>
    </FeedbackContext.Provider>
  );
}

export function Modal({ title, children, onClose, wide }: { title: string; children: ReactNode; onClose: () => void; wide?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const root = ref.current;
    const first = root?.querySelector<HTMLElement>('[data-autofocus]') ?? root?.querySelector<HTMLElement>('input, select, textarea, button');
    first?.focus();
    return () => previous?.focus?.();
  }, []);
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
    }
    if (e.key === 'Tab' && ref.current) {
      const focusable = [...ref.current.querySelectorAll<HTMLElement>('button, input, select, textarea, a[href], [tabindex]:not([tabindex="-1"])')].filter((el) => !el.hasAttribute('disabled'));
      if (!focusable.length) return;
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  };
  return (
    <div className="dlg-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={`dlg${wide ? ' dlg-wide' : ''}`} role="dialog" aria-modal="true" aria-labelledby="dlg-title" ref={ref} onKeyDown={onKeyDown}>
        <h2 id="dlg-title" className="dlg-title">
          {title}
        </h2>
        {children}
      </div>
    </div>
  );
}
