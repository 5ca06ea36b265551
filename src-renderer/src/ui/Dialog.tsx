// A modal dialog: focus moves in and stays in (Tab wraps), Escape closes, and focus returns to
// where it was when the dialog closes. Rendered over the whole window.
import { useEffect, useId, useRef, type ReactNode } from 'react';
import './dialog.css';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** The dialogs open now, the last one on top: keys that reach no dialog are the top one's. */
const openDialogs: HTMLElement[] = [];

function focusables(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el.offsetParent !== null || el === document.activeElement);
}

export function Dialog({ title, onClose, children, footer, wide = false, testId, headerExtra, initialFocus, onKey }: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
  testId?: string;
  headerExtra?: ReactNode;
  /** CSS selector of what to focus first (default: the first focusable element). */
  initialFocus?: string;
  /** Keys pressed while focus is inside the dialog, before its own Escape/Tab handling. */
  onKey?: (e: React.KeyboardEvent<HTMLDivElement>) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  // Two dialogs may be open at once (the approval dialog over the launch dialog): ids must differ.
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const root = ref.current!;
    const first = (initialFocus ? root.querySelector<HTMLElement>(initialFocus) : null) ?? root.querySelector<HTMLElement>(FOCUSABLE) ?? root;
    first.focus();
    return () => previous?.focus?.();
  }, [initialFocus]); // focus moves in once, when the dialog opens

  // A button that had focus and is disabled while its action runs (Test connection, Add) drops it:
  // the browser moves focus to the page, where the dialog's own key handling never hears Escape and
  // Tab walks the page behind it. Keys pressed with focus nowhere belong to the dialog on top.
  useEffect(() => {
    const root = ref.current!;
    openDialogs.push(root);
    const onStrayKey = (e: KeyboardEvent): void => {
      const active = document.activeElement;
      if (openDialogs[openDialogs.length - 1] !== root || (active && active !== document.body && active !== document.documentElement)) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        onCloseRef.current();
      } else if (e.key === 'Tab') {
        e.preventDefault();
        const items = focusables(root);
        (items[e.shiftKey ? items.length - 1 : 0] ?? root).focus();
      }
    };
    document.addEventListener('keydown', onStrayKey);
    return () => {
      document.removeEventListener('keydown', onStrayKey);
      openDialogs.splice(openDialogs.indexOf(root), 1);
    };
  }, []);

  function onKeyDown(e: React.KeyboardEvent<HTMLDivElement>): void {
    onKey?.(e);
    if (e.defaultPrevented) return;
    if (e.key === 'Escape') {
      e.stopPropagation();
      onCloseRef.current();
      return;
    }
    if (e.key !== 'Tab') return;
    const items = focusables(ref.current!);
    if (items.length === 0) return;
    const first = items[0]!;
    const last = items[items.length - 1]!;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  }

  return (
    <div className="dialog-backdrop" onMouseDown={(e) => {
      if (e.target === e.currentTarget) onCloseRef.current();
    }}>
      <div ref={ref} className="dialog" data-wide={wide || undefined} role="dialog" aria-modal="true" aria-labelledby={titleId} tabIndex={-1}
        onKeyDown={onKeyDown} data-testid={testId}>
        <header className="dialog-head">
          <h2 id={titleId} className="dialog-title">{title}</h2>
          {headerExtra}
          <button type="button" className="icon-button dialog-close" aria-label="Close" title="Close (Esc)" onClick={() => onCloseRef.current()}>×</button>
        </header>
        <div className="dialog-body">{children}</div>
        {footer && <footer className="dialog-foot">{footer}</footer>}
      </div>
    </div>
  );
}
