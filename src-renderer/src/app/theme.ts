// The Settings theme lives in SQLite; the last applied value is mirrored in localStorage only so the
// next launch paints in the right colours before the first settings.get answers.
export type ThemeSetting = 'system' | 'light' | 'dark';

const CACHE_KEY = 'shoal.theme';

export function applyTheme(theme: ThemeSetting): void {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
  try {
    localStorage.setItem(CACHE_KEY, theme);
  } catch {
    // Storage can be unavailable (privacy modes); the theme still applies for this session.
  }
}

export function applyCachedTheme(): void {
  try {
    const cached = localStorage.getItem(CACHE_KEY);
    if (cached === 'light' || cached === 'dark') document.documentElement.dataset.theme = cached;
  } catch {
    // See applyTheme.
  }
}
