// The Settings theme lives in SQLite; the last applied value is mirrored in localStorage only so the
// next launch paints in the right colours before the first settings.get answers. <html data-theme>
// always holds the resolved palette, light or dark: "system" follows the OS live, so styles.css
// needs one dark palette, not one per way of asking for it.
export type ThemeSetting = 'system' | 'light' | 'dark';

const CACHE_KEY = 'shoal.theme';
const osDark = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
let current: ThemeSetting = 'system';

function paint(): void {
  document.documentElement.dataset.theme = current === 'system' ? (osDark?.matches ? 'dark' : 'light') : current;
}

osDark?.addEventListener('change', () => {
  if (current === 'system') paint();
});

export function applyTheme(theme: ThemeSetting): void {
  current = theme;
  paint();
  try {
    localStorage.setItem(CACHE_KEY, theme);
  } catch {
    // Storage can be unavailable (privacy modes); the theme still applies for this session.
  }
}

export function applyCachedTheme(): void {
  try {
    const cached = localStorage.getItem(CACHE_KEY);
    if (cached === 'light' || cached === 'dark' || cached === 'system') current = cached;
  } catch {
    // See applyTheme.
  }
  paint();
}
