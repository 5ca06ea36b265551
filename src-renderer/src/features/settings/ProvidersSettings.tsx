// Settings › Model providers: the OpenAI-compatible endpoints threads talk to (hosted, Ollama,
// llama.cpp server). The API key goes to main once and is sealed there; this page only ever
// learns whether one is stored.
import { useState } from 'react';
import type { ProviderView } from '../../../../src-shared/contract';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import { CheckResult, type CheckState } from './CheckResult';
import '../../ui/ui-extra.css';
import './runtime-settings.css';

const PRESETS = [
  { label: 'OpenAI', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' },
  { label: 'Ollama', baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1' },
  { label: 'llama.cpp', baseUrl: 'http://127.0.0.1:8080/v1', model: 'default' },
];

export function ProvidersSettings() {
  const providers = useShoalQuery('providers.list', {});
  const [editing, setEditing] = useState<ProviderView | 'new' | null>(null);
  return (
    <section className="panel" aria-labelledby="settings-providers" data-testid="providers-settings">
      <h2 id="settings-providers" className="panel-title panel-title-row">
        Model providers
        {editing === null && <button type="button" className="button button-small" onClick={() => setEditing('new')}>Add provider</button>}
      </h2>
      {providers.isPending && <Loading label="Loading providers…" />}
      {providers.isError && <ErrorNotice title="Could not load providers" error={providers.error} onRetry={() => void providers.refetch()} />}
      {providers.data && providers.data.length === 0 && editing === null && (
        <p className="setting-empty">No provider yet. Threads need one: any endpoint that speaks OpenAI's chat completions API works, hosted or local (Ollama, llama.cpp server).</p>
      )}
      {providers.data?.map((p) => (editing !== 'new' && editing?.id === p.id
        ? <ProviderForm key={p.id} provider={p} onDone={() => setEditing(null)} />
        : <ProviderRow key={p.id} provider={p} onEdit={() => setEditing(p)} />))}
      {editing === 'new' && <ProviderForm provider={null} onDone={() => setEditing(null)} />}
    </section>
  );
}

function ProviderRow({ provider: p, onEdit }: { provider: ProviderView; onEdit: () => void }) {
  const check = useShoalMutation('providers.check');
  const save = useShoalMutation('providers.save');
  const remove = useShoalMutation('providers.delete');
  const state: CheckState = check.isPending ? { kind: 'checking' } : check.data ? { kind: 'done', ...check.data } : check.error ? { kind: 'error', message: check.error.message } : null;
  return (
    <div className="setting runtime-row" data-testid="provider-row">
      <div className="setting-text">
        <span className="setting-label">{p.name}{p.isDefault && <span className="badge runtime-badge">Default</span>}</span>
        <span className="setting-hint mono">{p.baseUrl} · {p.model}</span>
        <span className="setting-hint">{p.hasApiKey ? 'API key stored (encrypted)' : p.apiKeyUnreadable ? 'An API key is stored but cannot be read here: enter it again' : 'No API key'}</span>
        <CheckResult state={state} />
      </div>
      <div className="runtime-actions">
        <button type="button" className="button button-small" onClick={() => check.mutate({ id: p.id })}>Check connection</button>
        {!p.isDefault && <button type="button" className="button button-small" onClick={() => save.mutate({ id: p.id, name: p.name, baseUrl: p.baseUrl, model: p.model, makeDefault: true })}>Make default</button>}
        <button type="button" className="button button-small" onClick={onEdit}>Edit</button>
        <button type="button" className="button button-small button-danger" onClick={() => {
          if (window.confirm(`Remove the provider "${p.name}" and its stored key?`)) remove.mutate({ id: p.id });
        }}>Remove</button>
      </div>
    </div>
  );
}

function ProviderForm({ provider, onDone }: { provider: ProviderView | null; onDone: () => void }) {
  const [name, setName] = useState(provider?.name ?? '');
  const [baseUrl, setBaseUrl] = useState(provider?.baseUrl ?? '');
  const [model, setModel] = useState(provider?.model ?? '');
  const [apiKey, setApiKey] = useState('');
  const [clearKey, setClearKey] = useState(false);
  const [makeDefault, setMakeDefault] = useState(false);
  const save = useShoalMutation('providers.save');
  const check = useShoalMutation('providers.check');
  const keyField = clearKey ? null : apiKey.trim() ? apiKey.trim() : undefined;
  const state: CheckState = check.isPending ? { kind: 'checking' } : check.data ? { kind: 'done', ...check.data } : check.error ? { kind: 'error', message: check.error.message } : null;
  const fields = { name, baseUrl, model, ...(keyField !== undefined ? { apiKey: keyField } : {}) };
  // The stored key is only sent to the server it was saved for (main refuses otherwise).
  const storedKey = provider !== null && (provider.hasApiKey || provider.apiKeyUnreadable);
  const keyNeeded = storedKey && keyField === undefined && originOf(baseUrl) !== originOf(provider.baseUrl);

  return (
    <form className="runtime-form" aria-label={provider ? `Edit ${provider.name}` : 'New model provider'} data-testid="provider-form" onSubmit={(e) => {
      e.preventDefault();
      save.mutate({ ...(provider ? { id: provider.id } : {}), ...fields, ...(makeDefault ? { makeDefault } : {}) }, { onSuccess: onDone });
    }}>
      {!provider && (
        <div className="runtime-presets">
          <span className="field-hint">Start from</span>
          {PRESETS.map((p) => (
            <button key={p.label} type="button" className="button button-small" onClick={() => {
              setBaseUrl(p.baseUrl);
              if (!model) setModel(p.model);
              if (!name) setName(p.label);
            }}>{p.label}</button>
          ))}
        </div>
      )}
      <div className="runtime-grid">
        <label className="field"><span className="field-label">Name</span><input className="input" value={name} onChange={(e) => setName(e.target.value)} required /></label>
        <label className="field"><span className="field-label">Model</span><input className="input mono" value={model} onChange={(e) => setModel(e.target.value)} placeholder="gpt-4o-mini, llama3.1, …" required /></label>
        <label className="field runtime-wide"><span className="field-label">Base URL</span>
          <input className="input mono" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} placeholder="https://api.openai.com/v1" required />
        </label>
        <label className="field runtime-wide"><span className="field-label">API key</span>
          <input className="input mono" type="password" autoComplete="off" value={apiKey} disabled={clearKey} onChange={(e) => setApiKey(e.target.value)}
            placeholder={keyNeeded ? 'Enter the key for the new URL' : provider?.hasApiKey ? 'Stored — leave empty to keep it' : 'Not needed for most local servers'}
            aria-invalid={keyNeeded || undefined} aria-describedby={keyNeeded ? 'provider-key-needed' : undefined} />
          {keyNeeded
            ? <span className="setting-error" id="provider-key-needed" role="alert" data-testid="api-key-needed">The URL now points at another server: enter the API key again (or remove the stored one). The stored key is only sent to {originOf(provider.baseUrl)}.</span>
            : <span className="field-hint">Sealed with your system keychain (or a key file only you can read) and never shown again.</span>}
        </label>
      </div>
      <div className="runtime-checks">
        {storedKey && <label><input type="checkbox" checked={clearKey} onChange={(e) => setClearKey(e.target.checked)} /> Remove the stored key</label>}
        {!provider?.isDefault && <label><input type="checkbox" checked={makeDefault} onChange={(e) => setMakeDefault(e.target.checked)} /> Use for new threads</label>}
      </div>
      <CheckResult state={state} />
      {save.error && <ErrorNotice title="Could not save the provider" error={save.error} />}
      <div className="runtime-form-actions">
        <button type="button" className="button" disabled={!baseUrl.trim() || !model.trim()}
          onClick={() => check.mutate({ ...(provider ? { id: provider.id } : {}), ...fields })}>Check connection</button>
        <span className="spacer" />
        <button type="button" className="button" onClick={onDone}>Cancel</button>
        <button type="submit" className="button button-primary" disabled={save.isPending}>Save</button>
      </div>
    </form>
  );
}

/** Scheme, host and port: where a key is sent. */
function originOf(url: string): string {
  try {
    return new URL(url.trim()).origin;
  } catch {
    return url.trim();
  }
}
