// Settings → Alerts: the default channels (for tasks without an alert_policy and for approvals left
// waiting), each with *Send test*, and a form to add one. Main validates and seals; a bad field comes
// back named (`channel.url: must be https …`). URLs, keys and secrets never come back.
import { useState, type FormEvent } from 'react';
import { RemoteError } from '../../../../src-shared/contract/envelope';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { useToast } from '../../ui/Toaster';
import { useListAction } from '../../ui/use-list-action';

type Kind = 'slack' | 'webhook' | 'pager_duty';

export function AlertChannelsSetting() {
  const settings = useShoalQuery('alerts.settings', {});
  const add = useShoalMutation('alerts.addChannel');
  const remove = useShoalMutation('alerts.removeChannel');
  const test = useShoalMutation('alerts.sendTest');
  const toast = useToast();
  const [form, setForm] = useState({ kind: 'webhook' as Kind, url: '', secret: '', routing_key: '', severity: 'error' });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const issues = add.error instanceof RemoteError ? add.error.body.issues ?? [] : [];
  const issueFor = (field: string) => {
    const line = issues.find((i) => i.startsWith(`channel.${field}:`));
    return line?.slice(line.indexOf(':') + 2);
  };

  // Channels are named by their id, so neither a double click's second click nor a list changed in
  // another window acts on another channel (main refuses an id no longer there); useListAction
  // keeps to one action at a time. A refusal reads the list again, to show what is there now.
  const { act, busy } = useListAction(settings);
  const removeOne = (id: string) => act(() => remove.mutateAsync({ id }), () => {}, (er) => {
    toast(`Could not remove: ${er.message}`, 'failed');
    void settings.refetch();
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const channel = form.kind === 'slack' ? { kind: 'slack', webhook_url: form.url.trim() }
      : form.kind === 'webhook' ? { kind: 'webhook', url: form.url.trim(), ...(form.secret ? { secret: form.secret } : {}) }
      : { kind: 'pager_duty', routing_key: form.routing_key.trim(), severity: form.severity };
    add.mutate({ channel }, { onSuccess: () => setForm((f) => ({ ...f, url: '', secret: '', routing_key: '' })) });
  };

  const urlField = form.kind === 'slack' ? 'webhook_url' : 'url';
  // What a field of the form does not show (a lost connection, a problem with no field here) is said
  // under the form, not dropped.
  const byField = (i: string) => [urlField, 'routing_key'].some((f) => i.startsWith(`channel.${f}:`));
  const otherError = !add.error ? null
    : issues.length === 0 ? add.error.message
    : issues.filter((i) => !byField(i)).join('; ') || null;
  return (
    <section className="panel" aria-labelledby="settings-alerts" data-testid="alert-channels">
      <h2 id="settings-alerts" className="panel-title">Alert channels</h2>
      <p className="field-hint">Used for tasks without their own alert_policy, and for approvals left waiting.</p>
      <ul className="alert-channels">
        {(settings.data?.channels ?? []).map((c) => (
          <li key={c.id} data-testid="alert-channel-item" data-channel-id={c.id}>
            <span>{c.label}</span>
            <button type="button" className="button" disabled={test.isPending}
              onClick={() => test.mutate({ id: c.id }, {
                onSuccess: () => toast(`Test alert queued for ${c.label}: Alerts shows how its delivery goes.`, 'info'),
                onError: (er) => { toast(er.message, 'failed'); void settings.refetch(); },
              })}>Send test</button>
            <button type="button" className="button" disabled={remove.isPending || settings.isFetching || busy} onClick={() => removeOne(c.id)}>Remove</button>
          </li>
        ))}
      </ul>
      <form className="alert-channel-form" onSubmit={submit} aria-label="New alert channel">
        <label className="field">
          <span className="field-label">Kind</span>
          <select className="input" name="kind" value={form.kind} onChange={set('kind')}>
            <option value="webhook">Webhook</option>
            <option value="slack">Slack</option>
            <option value="pager_duty">PagerDuty</option>
          </select>
        </label>
        {form.kind === 'pager_duty' ? (
          <>
            <label className="field">
              <span className="field-label">Routing key</span>
              <input className="input" name="routing_key" value={form.routing_key} onChange={set('routing_key')} aria-invalid={issueFor('routing_key') ? true : undefined} />
              {issueFor('routing_key') && <span className="setting-error">{issueFor('routing_key')}</span>}
            </label>
            <label className="field">
              <span className="field-label">Severity</span>
              <select className="input" name="severity" value={form.severity} onChange={set('severity')}>
                {['critical', 'error', 'warning', 'info'].map((s) => <option key={s} value={s}>{s}</option>)}
              </select>
            </label>
          </>
        ) : (
          <>
            <label className="field">
              <span className="field-label">URL</span>
              <input className="input" name="url" value={form.url} onChange={set('url')} placeholder="https://" aria-invalid={issueFor(urlField) ? true : undefined} />
              {issueFor(urlField) && <span className="setting-error">{issueFor(urlField)}</span>}
            </label>
            {form.kind === 'webhook' && (
              <label className="field">
                <span className="field-label">Signing secret (optional)</span>
                <input className="input" name="secret" type="password" value={form.secret} onChange={set('secret')} autoComplete="off" />
              </label>
            )}
          </>
        )}
        {otherError && <p className="setting-error" role="alert" data-testid="channel-error">{otherError}</p>}
        <button type="submit" className="button button-primary" disabled={add.isPending}>Add channel</button>
      </form>
    </section>
  );
}
