// Settings → Hooks: commands or signed URLs run on lifecycle events (runs, tasks, attempts,
// approvals, alerts, a thread's reply and tool calls). Main validates every field and seals URLs and
// secrets; what comes back shows only where a URL hook posts and whether it is signed.
import { useState, type FormEvent, type InputHTMLAttributes } from 'react';
import { RemoteError } from '../../../../src-shared/contract/envelope';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { useToast } from '../../ui/Toaster';

type Kind = 'command' | 'url';
const EMPTY = { id: '', kind: 'url' as Kind, command: '', url: '', secret: '', timeout: '10', events: [] as string[] };

export function HooksSetting() {
  const hooks = useShoalQuery('alerts.hooks', {});
  const add = useShoalMutation('alerts.addHook');
  const remove = useShoalMutation('alerts.removeHook');
  const test = useShoalMutation('alerts.testHook');
  const toast = useToast();
  const [form, setForm] = useState(EMPTY);
  const set = (k: 'id' | 'kind' | 'command' | 'url' | 'secret' | 'timeout') => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const toggle = (event: string) => setForm((f) => ({ ...f, events: f.events.includes(event) ? f.events.filter((x) => x !== event) : [...f.events, event] }));
  const issues = add.error instanceof RemoteError ? add.error.body.issues ?? [] : [];
  // `events[0]: …` belongs to the events field as much as `events: …` does.
  const issueFor = (field: string) => {
    const line = issues.find((i) => i.startsWith(`${field}:`) || i.startsWith(`${field}[`));
    return line?.slice(line.indexOf(': ') + 2);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const timeout = Number(form.timeout);
    const hook = {
      id: form.id.trim(), kind: form.kind, events: form.events, timeout_seconds: Number.isFinite(timeout) ? timeout : form.timeout,
      ...(form.kind === 'command' ? { command: form.command } : { url: form.url.trim(), ...(form.secret ? { secret: form.secret } : {}) }),
    };
    add.mutate({ hook }, { onSuccess: () => setForm(EMPTY) });
  };

  const runTest = (id: string) => test.mutate({ id }, {
    onSuccess: (r) => toast(r.ok ? `Hook ${id}: sample event sent (${r.detail})` : `Hook ${id} failed: ${r.detail}`, r.ok ? 'info' : 'failed'),
    onError: (er) => toast(er.message, 'failed'),
  });

  return (
    <section className="panel" aria-labelledby="settings-hooks" data-testid="hooks-setting">
      <h2 id="settings-hooks" className="panel-title">Hooks</h2>
      <p className="field-hint">
        Run a command (the event as JSON on stdin) or POST to a URL (signed like the alert webhook) when something happens.
        A slow or failing hook never holds up a run; its output and failures go to hooks.log in the data folder.
      </p>
      <ul className="alert-channels">
        {(hooks.data?.hooks ?? []).map((h) => (
          <li key={h.id} data-testid="hook-item">
            <span className="hook-id">{h.id}</span>
            <span className="hook-target">{h.kind === 'command' ? <code>{h.target}</code> : h.target}{h.kind === 'url' && <> · secret {h.signed ? 'set' : 'not set'}</>}</span>
            <span className="hook-events">{h.events.join(', ')} · {h.timeout_seconds}s</span>
            <button type="button" className="button" disabled={test.isPending} onClick={() => runTest(h.id)}>Test</button>
            <button type="button" className="button" onClick={() => remove.mutate({ id: h.id })}>Remove</button>
          </li>
        ))}
      </ul>
      {hooks.data && hooks.data.hooks.length === 0 && <p className="field-hint" data-testid="hooks-empty">No hooks yet.</p>}
      <form className="hook-form" onSubmit={submit} aria-label="New hook">
        <div className="alert-channel-form">
          <TextField label="Name" issue={issueFor('id')} name="id" value={form.id} onChange={set('id')} placeholder="notify-me" />
          <label className="field">
            <span className="field-label">Kind</span>
            <select className="input" name="kind" value={form.kind} onChange={set('kind')}>
              <option value="url">URL</option>
              <option value="command">Command</option>
            </select>
          </label>
          {form.kind === 'command' ? (
            <TextField label="Command" wide issue={issueFor('command')} name="command" value={form.command} onChange={set('command')} placeholder="notify-send Shoal" />
          ) : (
            <>
              <TextField label="URL" wide issue={issueFor('url')} name="url" value={form.url} onChange={set('url')} placeholder="https://" />
              <TextField label="Signing secret (optional)" issue={issueFor('secret')} name="secret" type="password" value={form.secret} onChange={set('secret')} autoComplete="off" />
            </>
          )}
          <TextField label="Timeout (seconds)" inputClass="hook-timeout" issue={issueFor('timeout_seconds')} name="timeout" inputMode="decimal" value={form.timeout} onChange={set('timeout')} />
        </div>
        <fieldset className="hook-events-choice" aria-invalid={issueFor('events') ? true : undefined}>
          <legend className="field-label">Events</legend>
          {(hooks.data?.events ?? []).map((ev) => (
            <label key={ev}><input type="checkbox" checked={form.events.includes(ev)} onChange={() => toggle(ev)} /> {ev}</label>
          ))}
          {issueFor('events') && <span className="setting-error">{issueFor('events')}</span>}
        </fieldset>
        <button type="submit" className="button button-primary" disabled={add.isPending}>Add hook</button>
      </form>
    </section>
  );
}

/** A labelled input of the form with main's problem for its field under it. */
function TextField({ label, issue, wide, inputClass, ...input }: { label: string; issue: string | undefined; wide?: boolean; inputClass?: string } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <label className={wide ? 'field hook-wide' : 'field'}>
      <span className="field-label">{label}</span>
      <input className={inputClass ? `input ${inputClass}` : 'input'} aria-invalid={issue ? true : undefined} {...input} />
      {issue && <span className="setting-error">{issue}</span>}
    </label>
  );
}
