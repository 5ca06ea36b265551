// Settings › MCP servers: programs (stdio) or URLs (Streamable HTTP) that Shoal starts with itself
// and whose tools it offers to threads and agents, under the exec policy. Environment values and
// headers are secrets: stored ones show as •••••• and are kept unless replaced.
import { useState } from 'react';
import type { McpServerView, MethodInput } from '../../../../src-shared/contract';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import { humanize, StatusPill, type Tone } from '../../ui/StatusPill';
import { CheckResult, type CheckState } from './CheckResult';
import '../../ui/ui-extra.css';
import './runtime-settings.css';

const TONE: Record<McpServerView['status'], Tone> = { starting: 'running', ready: 'passed', failed: 'failed', cancelled: 'cancelled', stopped: 'queued', disabled: 'cancelled' };
const MASK = '••••••';
type ServerInput = MethodInput<'mcp.save'>['server'];

export function McpServersSettings() {
  const mcp = useShoalQuery('mcp.list', {});
  const [editing, setEditing] = useState<McpServerView | 'new' | null>(null);
  const summary = mcp.data?.summary;
  return (
    <section className="panel" aria-labelledby="settings-mcp" data-testid="mcp-settings">
      <h2 id="settings-mcp" className="panel-title panel-title-row">
        MCP servers
        {editing === null && <button type="button" className="button button-small" onClick={() => setEditing('new')}>Add server</button>}
      </h2>
      {mcp.isPending && <Loading label="Loading MCP servers…" />}
      {mcp.isError && <ErrorNotice title="Could not load MCP servers" error={mcp.error} onRetry={() => void mcp.refetch()} />}
      {summary && (summary.ready.length + summary.failed.length + summary.cancelled.length > 0) && (
        <p className="setting-summary" data-testid="mcp-summary">
          At startup: {summary.ready.length} ready, {summary.failed.length} failed, {summary.cancelled.length} cancelled
        </p>
      )}
      {mcp.data && mcp.data.servers.length === 0 && editing === null && (
        <p className="setting-empty">No MCP server yet. Their tools become available to threads and agents as <code>server__tool</code>, judged by the exec policy like any other tool.</p>
      )}
      {mcp.data?.servers.map((s) => (editing !== 'new' && editing?.name === s.name
        ? <McpForm key={s.name} server={s} onDone={() => setEditing(null)} />
        : <McpRow key={s.name} server={s} onEdit={() => setEditing(s)} />))}
      {editing === 'new' && <McpForm server={null} onDone={() => setEditing(null)} />}
    </section>
  );
}

function McpRow({ server: s, onEdit }: { server: McpServerView; onEdit: () => void }) {
  const restart = useShoalMutation('mcp.restart');
  const remove = useShoalMutation('mcp.delete');
  return (
    <div className="setting runtime-row" data-testid="mcp-row" data-status={s.status}>
      <div className="setting-text">
        <span className="setting-label">{s.name} <StatusPill tone={TONE[s.status]} label={humanize(s.status)} pulse={s.status === 'starting'} /></span>
        <span className="setting-hint mono">{s.transport === 'stdio' ? [s.command, ...s.args].join(' ') : s.url}</span>
        {s.status === 'ready' && (
          <span className="setting-hint" data-testid="mcp-tools">{s.tools.length} {s.tools.length === 1 ? 'tool' : 'tools'}: {s.tools.map((t) => `${s.name}__${t.name}`).join(', ')}</span>
        )}
        {s.error && <span className="setting-error" data-testid="mcp-error">{s.error}</span>}
      </div>
      <div className="runtime-actions">
        <button type="button" className="button button-small" disabled={restart.isPending || !s.enabled} onClick={() => restart.mutate({ name: s.name })}>Restart</button>
        <button type="button" className="button button-small" onClick={onEdit}>Edit</button>
        <button type="button" className="button button-small button-danger" onClick={() => {
          if (window.confirm(`Stop and remove the MCP server "${s.name}"?`)) remove.mutate({ name: s.name });
        }}>Remove</button>
      </div>
    </div>
  );
}

/** `KEY=value` (or `Name: value`) lines; a stored value shown as the mask is kept (null). */
function parsePairs(text: string, sep: '=' | ':'): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf(sep);
    if (at <= 0) continue;
    const key = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    if (key) out[key] = value === MASK ? null : value;
  }
  return out;
}

/** The lines parsePairs cannot read (no separator, or nothing before it): said, not dropped. */
function unreadablePairs(text: string, sep: '=' | ':', form: string): string | null {
  const bad = text.split('\n').map((line, i) => ({ line: line.trim(), n: i + 1 })).filter(({ line }) => line !== '' && line.indexOf(sep) <= 0);
  if (bad.length === 0) return null;
  return `${bad.map(({ line, n }) => `line ${n} "${line}"`).join(', ')}: not ${form}; fix ${bad.length === 1 ? 'it' : 'them'} or take ${bad.length === 1 ? 'it' : 'them'} out`;
}

function McpForm({ server, onDone }: { server: McpServerView | null; onDone: () => void }) {
  const [name, setName] = useState(server?.name ?? '');
  const [transport, setTransport] = useState<'stdio' | 'http'>(server?.transport ?? 'stdio');
  const [command, setCommand] = useState(server?.command ?? '');
  const [args, setArgs] = useState(server?.args.join('\n') ?? '');
  const [cwd, setCwd] = useState(server?.cwd ?? '');
  const [url, setUrl] = useState(server?.url ?? '');
  const [env, setEnv] = useState(server?.envKeys.map((k) => `${k}=${MASK}`).join('\n') ?? '');
  const [headers, setHeaders] = useState(server?.headerKeys.map((k) => `${k}: ${MASK}`).join('\n') ?? '');
  const [enabled, setEnabled] = useState(server?.enabled ?? true);
  const save = useShoalMutation('mcp.save');
  const check = useShoalMutation('mcp.check');
  const input: ServerInput = transport === 'stdio'
    ? { name: name.trim(), transport, command: command.trim(), args: args.split('\n').map((a) => a.trim()).filter(Boolean), cwd: cwd.trim() || null, enabled, env: parsePairs(env, '=') }
    : { name: name.trim(), transport, url: url.trim(), enabled, headers: parsePairs(headers, ':') };
  const prev = server ? { previousName: server.name } : {};
  const kept = server ? keptSecrets(server, input) : [];
  const unreadable = transport === 'stdio' ? unreadablePairs(env, '=', 'KEY=value') : unreadablePairs(headers, ':', 'Name: value');
  const state: CheckState = check.isPending ? { kind: 'checking' } : check.data ? { kind: 'done', ...check.data } : check.error ? { kind: 'error', message: check.error.message } : null;

  return (
    <form className="runtime-form" aria-label={server ? `Edit ${server.name}` : 'New MCP server'} data-testid="mcp-form" onSubmit={(e) => {
      e.preventDefault();
      save.mutate({ ...prev, server: input }, { onSuccess: onDone });
    }}>
      <div className="runtime-grid">
        <label className="field"><span className="field-label">Name</span>
          <input className="input mono" value={name} onChange={(e) => setName(e.target.value)} placeholder="github" required />
          <span className="field-hint">Prefixes its tools: <code>{name.trim() || 'name'}__tool</code></span>
        </label>
        <div className="field">
          <span className="field-label" id="mcp-transport">Connects with</span>
          <div className="segmented" role="radiogroup" aria-labelledby="mcp-transport">
            <label className="segmented-option"><input type="radio" name="mcp-transport" checked={transport === 'stdio'} onChange={() => setTransport('stdio')} /><span>A command</span></label>
            <label className="segmented-option"><input type="radio" name="mcp-transport" checked={transport === 'http'} onChange={() => setTransport('http')} /><span>A URL</span></label>
          </div>
        </div>
        {transport === 'stdio' ? (
          <>
            <label className="field"><span className="field-label">Command</span><input className="input mono" value={command} onChange={(e) => setCommand(e.target.value)} placeholder="npx" required /></label>
            <label className="field"><span className="field-label">Working folder</span><input className="input mono" value={cwd} onChange={(e) => setCwd(e.target.value)} placeholder="(Shoal's own)" /></label>
            <label className="field"><span className="field-label">Arguments, one per line</span>
              <textarea className="textarea mono" rows={3} value={args} onChange={(e) => setArgs(e.target.value)} placeholder={'-y\n@modelcontextprotocol/server-github'} />
            </label>
            <label className="field"><span className="field-label">Environment</span>
              <textarea className="textarea mono" rows={3} value={env} onChange={(e) => setEnv(e.target.value)} placeholder="GITHUB_TOKEN=…" aria-invalid={unreadable !== null || undefined} />
              {unreadable && <span className="setting-error" role="alert" data-testid="mcp-pairs-unreadable">{unreadable}</span>}
              {kept.length > 0
                ? <SecretsNeeded names={kept} changed="the command or its arguments" />
                : <span className="field-hint">KEY=value per line. Stored values show as {MASK} and are kept.</span>}
            </label>
          </>
        ) : (
          <>
            <label className="field runtime-wide"><span className="field-label">URL</span><input className="input mono" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://127.0.0.1:3000/mcp" required /></label>
            <label className="field runtime-wide"><span className="field-label">Headers</span>
              <textarea className="textarea mono" rows={2} value={headers} onChange={(e) => setHeaders(e.target.value)} placeholder="Authorization: Bearer …" aria-invalid={unreadable !== null || undefined} />
              {unreadable && <span className="setting-error" role="alert" data-testid="mcp-pairs-unreadable">{unreadable}</span>}
              {kept.length > 0
                ? <SecretsNeeded names={kept} changed="the URL's server" />
                : <span className="field-hint">Name: value per line. Stored values show as {MASK} and are kept.</span>}
            </label>
          </>
        )}
      </div>
      <div className="runtime-checks"><label><input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Start with Shoal</label></div>
      <CheckResult state={state} />
      {save.error && <ErrorNotice title="Could not save the server" error={save.error} />}
      <div className="runtime-form-actions">
        <button type="button" className="button" disabled={unreadable !== null} onClick={() => check.mutate({ ...prev, server: input })}>Check connection</button>
        <span className="spacer" />
        <button type="button" className="button" onClick={onDone}>Cancel</button>
        <button type="submit" className="button button-primary" disabled={save.isPending || unreadable !== null}>{save.isPending ? 'Starting…' : 'Save'}</button>
      </div>
    </form>
  );
}

function SecretsNeeded({ names, changed }: { names: string[]; changed: string }) {
  return (
    <span className="setting-error" role="alert" data-testid="mcp-secrets-needed">
      You changed {changed}: type {names.join(', ')} again in place of {MASK}, or remove {names.length === 1 ? 'it' : 'them'}.
      Stored values only go to what they were saved for.
    </span>
  );
}

/** Stored values (shown as the mask) the edit would carry to another program or server: main
 *  refuses those, so the form says so before Save. */
function keptSecrets(server: McpServerView, input: ServerInput): string[] {
  if (server.transport !== input.transport) return [];
  if (input.transport === 'stdio') {
    const same = input.command === (server.command ?? '') && JSON.stringify(input.args ?? []) === JSON.stringify(server.args);
    return same ? [] : server.envKeys.filter((k) => input.env?.[k] === null);
  }
  return originOf(input.url) === originOf(server.url ?? '') ? [] : server.headerKeys.filter((k) => input.headers?.[k] === null);
}

function originOf(url: string): string {
  try {
    return new URL(url.trim()).origin;
  } catch {
    return url.trim();
  }
}
