// Tabs as in the WAI-ARIA pattern: one tab stop for the list, arrow keys (and Home/End) move and
// select, each tab controls a panel with the id `${idBase}-${tab.id}-panel`.
import type { KeyboardEvent, ReactNode } from 'react';
import './ui-extra.css';

export interface TabItem<T extends string> {
  id: T;
  label: ReactNode;
  /** A count or mark after the label. */
  badge?: ReactNode;
  testId?: string;
}

export const tabPanelId = (idBase: string, id: string) => `${idBase}-${id}-panel`;
export const tabId = (idBase: string, id: string) => `${idBase}-${id}-tab`;

export function Tabs<T extends string>({ label, idBase, tabs, selected, onSelect, className }: {
  label: string;
  idBase: string;
  tabs: readonly TabItem<T>[];
  selected: T;
  onSelect: (id: T) => void;
  className?: string;
}) {
  function onKeyDown(e: KeyboardEvent<HTMLDivElement>): void {
    const at = tabs.findIndex((t) => t.id === selected);
    const next = e.key === 'ArrowRight' ? at + 1 : e.key === 'ArrowLeft' ? at - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? tabs.length - 1 : null;
    if (next === null) return;
    e.preventDefault();
    const tab = tabs[(next + tabs.length) % tabs.length]!;
    onSelect(tab.id);
    document.getElementById(tabId(idBase, tab.id))?.focus();
  }
  return (
    <div className={`tabs ${className ?? ''}`} role="tablist" aria-label={label} onKeyDown={onKeyDown}>
      {tabs.map((t) => (
        <button key={t.id} id={tabId(idBase, t.id)} type="button" role="tab" className="tab" aria-selected={t.id === selected}
          aria-controls={tabPanelId(idBase, t.id)} tabIndex={t.id === selected ? 0 : -1} onClick={() => onSelect(t.id)} data-testid={t.testId}>
          {t.label}
          {t.badge !== undefined && t.badge !== null && <span className="tab-badge">{t.badge}</span>}
        </button>
      ))}
    </div>
  );
}

export function TabPanel({ idBase, id, children, className }: { idBase: string; id: string; children: ReactNode; className?: string }) {
  return (
    <div role="tabpanel" id={tabPanelId(idBase, id)} aria-labelledby={tabId(idBase, id)} className={className} tabIndex={-1}>
      {children}
    </div>
  );
}
