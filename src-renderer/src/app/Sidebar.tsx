// Left navigation. Links are plain anchors to hash routes (Tab + Enter works, middle-click does
// nothing harmful); Up/Down/Home/End move between them like a menu.
import type { KeyboardEvent } from 'react';
import { ShoalMark } from '../ui/icons';
import { SECTIONS } from './sections';
import { hrefFor, type SectionId } from './use-route';

export function Sidebar({ current }: { current: SectionId }) {
  function onKeyDown(e: KeyboardEvent<HTMLElement>): void {
    const links = Array.from(e.currentTarget.querySelectorAll<HTMLAnchorElement>('a.nav-link'));
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    if (at < 0) return;
    const target = e.key === 'ArrowDown' ? (at + 1) % links.length
      : e.key === 'ArrowUp' ? (at - 1 + links.length) % links.length
      : e.key === 'Home' ? 0 : e.key === 'End' ? links.length - 1 : -1;
    if (target < 0) return;
    e.preventDefault();
    links[target]?.focus();
  }

  return (
    <aside className="sidebar">
      <div className="brand"><ShoalMark size={18} className="brand-mark" /><span>Shoal</span></div>
      <nav aria-label="Sections" onKeyDown={onKeyDown}>
        <ul className="nav">
          {SECTIONS.map(({ id, label, key, icon: Icon }) => (
            <li key={id}>
              <a className="nav-link" href={hrefFor(id)} aria-current={id === current ? 'page' : undefined}
                aria-keyshortcuts={`g ${key}`} title={`${label} (g then ${key})`} data-section={id}>
                <Icon className="nav-icon" />
                <span className="nav-label">{label}</span>
                <kbd className="nav-key" aria-hidden="true">G {key.toUpperCase()}</kbd>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <p className="sidebar-hint">
        <kbd className="kbd">G</kbd> then a letter jumps to a section. Drop a task spec anywhere to start a run.
      </p>
    </aside>
  );
}
