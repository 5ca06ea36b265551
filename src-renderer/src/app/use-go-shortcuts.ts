// "g" then a section key (g r, g w, …) jumps to a section, as in GitHub and Linear. Ignored while
// typing in a field and when a modifier is held, so it never steals a browser or OS shortcut.
import { useEffect } from 'react';
import { isTyping } from '../ui/is-typing';
import { armChord, chordPending, disarmChord } from './key-chord';
import { SECTIONS } from './sections';
import { hrefFor, navigate } from './use-route';

export function useGoShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      const key = e.key.toLowerCase();
      if (chordPending()) {
        disarmChord();
        const section = SECTIONS.find((s) => s.key === key);
        if (section) {
          e.preventDefault();
          navigate(hrefFor(section.id));
        }
        return;
      }
      if (key === 'g') armChord();
      else disarmChord();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
