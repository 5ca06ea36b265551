// "g" then a section key (g r, g w, …) jumps to a section, as in GitHub and Linear. Ignored while
// typing in a field and when a modifier is held, so it never steals a browser or OS shortcut.
import { useEffect } from 'react';
import { SECTIONS } from './sections';
import { hrefFor, navigate } from './use-route';

const CHORD_MS = 1500;

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) && !(target instanceof HTMLInputElement && ['radio', 'checkbox', 'button'].includes(target.type));
}

export function useGoShortcuts(): void {
  useEffect(() => {
    let armedAt = 0;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      const key = e.key.toLowerCase();
      if (armedAt && Date.now() - armedAt < CHORD_MS) {
        armedAt = 0;
        const section = SECTIONS.find((s) => s.key === key);
        if (section) {
          e.preventDefault();
          navigate(hrefFor(section.id));
        }
        return;
      }
      armedAt = key === 'g' ? Date.now() : 0;
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
