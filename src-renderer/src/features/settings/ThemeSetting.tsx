// Theme is a real write: settings.set goes through the contract into SQLite, and <html data-theme>
// follows the stored value (app/use-theme-sync), not this control's draft.
import type { ThemeSetting as Theme } from '../../app/theme';
import { useSetting } from './use-setting';

const OPTIONS: { value: Theme; label: string }[] = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

export function ThemeSetting({ value }: { value: Theme }) {
  const theme = useSetting('theme', value);
  return (
    <div className="setting">
      <div className="setting-text">
        <span className="setting-label" id="theme-label">Theme</span>
        <span className="setting-hint">System follows your operating system's light or dark appearance.</span>
        {theme.error && <span className="setting-error" role="alert">{theme.error.message}</span>}
      </div>
      <div className="segmented" role="radiogroup" aria-labelledby="theme-label">
        {OPTIONS.map((o) => (
          <label key={o.value} className="segmented-option">
            <input type="radio" name="theme" value={o.value} checked={theme.value === o.value} onChange={() => theme.set(o.value)} />
            <span>{o.label}</span>
          </label>
        ))}
      </div>
    </div>
  );
}
