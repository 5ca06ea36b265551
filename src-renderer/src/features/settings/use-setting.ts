// One user setting: the stored value, and a way to change it through settings.set. The control
// shows the new value at once (a draft) and hands back to the stored value once the write is
// confirmed and settings.get has caught up, or immediately if the write fails.
import { useEffect, useState } from 'react';
import type { MethodOutput } from '../../../../src-shared/contract';
import { useShoalMutation } from '../../transport/query';

type Settings = MethodOutput<'settings.get'>;

export function useSetting<K extends keyof Settings>(key: K, stored: Settings[K]) {
  const save = useShoalMutation('settings.set');
  const [draft, setDraft] = useState<Settings[K] | null>(null);
  useEffect(() => {
    if (draft !== null && stored === draft) setDraft(null);
  }, [stored, draft]);

  function set(value: Settings[K]): void {
    setDraft(value);
    save.mutate({ [key]: value }, {
      onError: () => setDraft(null),
      onSuccess: (saved) => {
        if (saved[key] !== value) setDraft(null); // someone else's write won; show theirs
      },
    });
  }

  return { value: draft ?? stored, set, error: save.error };
}
