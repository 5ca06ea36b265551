// Keeps <html data-theme> in step with the stored setting (and with changes made elsewhere: the
// settings family is invalidated by main, so another window's change lands here too).
import { useEffect } from 'react';
import { useShoalQuery } from '../transport/query';
import { applyTheme } from './theme';

export function useThemeSync(): void {
  const settings = useShoalQuery('settings.get', {});
  const theme = settings.data?.theme;
  useEffect(() => {
    if (theme) applyTheme(theme);
  }, [theme]);
}
