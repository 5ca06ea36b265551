// Settings → Workers: the agent listener remote agents (`shoal agent`) dial in to. The same rules as
// `shoal serve --agents-listen`: loopback unless a TLS certificate and key are given or the person
// ticks "insecure"; main checks them and names the field that is wrong, which is marked here. A
// started listener is remembered and started again with the app.
import { useState } from 'react';
import { RemoteError } from '../../../../src-shared/contract/envelope';
import type { ListenerStatusView } from '../../../../src-shared/contract/methods/remote-agents';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import './runtime-settings.css';

type Form = { listen: string; leaseSeconds: string; heartbeatSeconds: string; tlsCert: string; tlsKey: string; insecure: boolean };

const EMPTY: Form = { listen: '127.0.0.1:7071', leaseSeconds: '600', heartbeatSeconds: '5', tlsCert: '', tlsKey: '', insecure: false };

function formOf(status: ListenerStatusView | undefined): Form {
  const c = status?.config;
  if (!c) return EMPTY;
  return { listen: c.listen, leaseSeconds: String(c.leaseSeconds), heartbeatSeconds: String(c.heartbeatSeconds), tlsCert: c.tlsCert ?? '', tlsKey: c.tlsKey ?? '', insecure: c.insecure };
}

export function AgentListenerSetting() {
  const status = useShoalQuery('workers.agentListener', {});
  const start = useShoalMutation('workers.startAgentListener');
  const stop = useShoalMutation('workers.stopAgentListener');
  const [form, setForm] = useState<Form>(EMPTY);
  // The form shows the stored configuration when it arrives or changes (a start saved it), not on
  // every refetch: what the person is typing survives a heartbeat or a failed start.
  const storedKey = status.data ? JSON.stringify(status.data.config) : null;
  const [shownKey, setShownKey] = useState<string | null>(null);
  if (storedKey !== null && storedKey !== shownKey) {
    setShownKey(storedKey);
    setForm(formOf(status.data));
  }
  const set = (k: keyof Form) => (e: { target: { value: string; checked?: boolean } }) => setForm((f) => ({ ...f, [k]: k === 'insecure' ? Boolean(e.target.checked) : e.target.value }));
  const issues = start.error instanceof RemoteError ? start.error.body.issues ?? [start.error.message] : [];
  const bad = (field: keyof Form) => issues.some((i) => i.startsWith(`${field}:`)) || undefined;
  const s = status.data;

  return (
    <section className="panel" aria-labelledby="settings-workers" data-testid="agent-listener-setting">
      <h2 id="settings-workers" className="panel-title">Workers</h2>
      <div className="setting-summary" data-testid="agent-listener-status" data-running={s?.running ?? false}>
        {status.isPending && <Loading label="Loading the agent listener…" />}
        {s?.running && <>Remote agents join at <span className="mono">{s.url}</span>{s.tls ? ' over TLS' : s.insecure ? ' unencrypted (insecure)' : ' (this computer only)'}.</>}
        {s && !s.running && (s.elsewhere
          ? <>Not listening here; process {s.elsewhere.pid} listens at <span className="mono">{s.elsewhere.url}</span>.</>
          : <>Not listening: remote agents cannot join.{s.enabled ? '' : ' Start the listener below.'}</>)}
        {s?.error && !start.error && <div className="setting-error" role="alert">Last start failed: {s.error}</div>}
      </div>
      <form className="runtime-form" aria-label="Agent listener" onSubmit={(e) => {
        e.preventDefault();
        start.mutate({
          listen: form.listen.trim(), leaseSeconds: Number(form.leaseSeconds), heartbeatSeconds: Number(form.heartbeatSeconds),
          tlsCert: form.tlsCert.trim() || null, tlsKey: form.tlsKey.trim() || null, insecure: form.insecure,
        });
      }}>
        <div className="runtime-grid">
          <label className="field"><span className="field-label">Listen address</span>
            <input name="listen" className="input mono" value={form.listen} onChange={set('listen')} aria-invalid={bad('listen')} placeholder="127.0.0.1:7071" />
            <span className="field-hint">HOST:PORT. Loopback unless TLS is set or insecure is ticked.</span>
          </label>
          <div className="runtime-grid">
            <label className="field"><span className="field-label">Lease seconds</span>
              <input name="leaseSeconds" className="input mono" inputMode="numeric" value={form.leaseSeconds} onChange={set('leaseSeconds')} aria-invalid={bad('leaseSeconds')} />
              <span className="field-hint">A silent agent&apos;s task is reclaimed after this.</span>
            </label>
            <label className="field"><span className="field-label">Heartbeat seconds</span>
              <input name="heartbeatSeconds" className="input mono" inputMode="numeric" value={form.heartbeatSeconds} onChange={set('heartbeatSeconds')} aria-invalid={bad('heartbeatSeconds')} />
              <span className="field-hint">Two missed and it shows stale.</span>
            </label>
          </div>
          <label className="field"><span className="field-label">TLS certificate file <span className="muted">(optional)</span></span>
            <input name="tlsCert" className="input mono" value={form.tlsCert} onChange={set('tlsCert')} aria-invalid={bad('tlsCert')} placeholder="/etc/shoal/agents.crt" />
          </label>
          <label className="field"><span className="field-label">TLS key file <span className="muted">(optional)</span></span>
            <input name="tlsKey" className="input mono" value={form.tlsKey} onChange={set('tlsKey')} aria-invalid={bad('tlsKey')} placeholder="/etc/shoal/agents.key" />
          </label>
        </div>
        <div className="runtime-checks">
          <label><input type="checkbox" name="insecure" checked={form.insecure} onChange={set('insecure')} /> Insecure (no TLS) on a non-loopback address: agents&apos; credentials and code cross the network unencrypted</label>
        </div>
        {start.error && <ErrorNotice title="The listener was not started" error={start.error} />}
        {stop.error && <ErrorNotice title="The listener was not stopped" error={stop.error} />}
        <div className="runtime-form-actions">
          <span className="field-hint">Remembered: the app starts it again on its next start.</span>
          <span className="spacer" />
          {s?.running && <button type="button" className="button" data-testid="stop-agent-listener" disabled={stop.isPending} onClick={() => stop.mutate({})}>Stop</button>}
          <button type="submit" className="button button-primary" data-testid="save-agent-listener" disabled={start.isPending}>{s?.running ? 'Restart' : 'Start'}</button>
        </div>
      </form>
    </section>
  );
}
