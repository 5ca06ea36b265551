// How long finished runs keep their timelines and artifacts; the retention job prunes the rest.
import { useEffect, useState } from 'react';
import { useShoalMutation } from '../../transport/query';

export function RetentionSetting({ days }: { days: number }) {
  const [value, setValue] = useState(String(days));
  useEffect(() => setValue(String(days)), [days]);
  const save = useShoalMutation('jobs.setRetention');
  const parsed = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  const valid = parsed >= 0 && parsed <= 3650;
  return (
    <form className="retention" onSubmit={(e) => {
      e.preventDefault();
      if (valid) save.mutate({ days: parsed });
    }}>
      <label htmlFor="retention-days">Keep run timelines and artifacts for</label>
      <input id="retention-days" className="input retention-input mono" inputMode="numeric" value={value} aria-invalid={!valid || undefined}
        onChange={(e) => setValue(e.target.value)} aria-describedby="retention-hint" />
      <span>days</span>
      <button type="submit" className="button button-small" disabled={!valid || parsed === days || save.isPending}>Save</button>
      {/* A box outlined in red says something is wrong; this says what. */}
      {valid
        ? <span id="retention-hint" className="field-hint">{parsed === 0 ? 'Kept forever.' : 'For finished runs; the runs, tasks and receipts themselves are always kept. 0 keeps everything.'}</span>
        : <span id="retention-hint" className="setting-error" role="alert">Give whole days from 0 to 3650 (0 keeps everything); &quot;{value.trim()}&quot; is not one.</span>}
      {save.error && <span className="setting-error" role="alert">{save.error.message}</span>}
    </form>
  );
}
