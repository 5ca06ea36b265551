// Settings › Coding agents: where the claude and codex CLIs are (a path, checked by main before it
// is kept, or the PATH's) with the version that would run, and the API keys they use. A key goes to
// main once and is sealed there; this page only ever learns whether one is set.
import { useState } from 'react';
import type { AgentBinaryView, AgentKeyView } from '../../../../src-shared/contract/methods/agent-keys';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';
import '../../ui/ui-extra.css';
import './runtime-settings.css';

const CLI_LABEL: Record<AgentBinaryView['cli'], string> = { claude: 'Claude Code', codex: 'Codex' };
const KEY_LABEL: Record<AgentKeyView['provider'], string> = { anthropic: 'Anthropic API key (Claude Code)', openai: 'OpenAI API key (Codex)' };

export function AgentsSettings() {
  const binaries = useShoalQuery('agents.binaries', {});
  const keys = useShoalQuery('agents.keys', {});
  return (
    <section className="panel" aria-labelledby="settings-agents" data-testid="agents-settings">
      <h2 id="settings-agents" className="panel-title">Coding agents</h2>
      {(binaries.isPending || keys.isPending) && <Loading label="Looking for the agent CLIs…" />}
      {binaries.isError && <ErrorNotice title="Could not look for the agent CLIs" error={binaries.error} onRetry={() => void binaries.refetch()} />}
      {keys.isError && <ErrorNotice title="Could not read the agent keys" error={keys.error} onRetry={() => void keys.refetch()} />}
      {binaries.data?.map((b) => <BinaryRow key={b.cli} binary={b} />)}
      {keys.data?.map((k) => <KeyRow key={k.provider} agentKey={k} />)}
    </section>
  );
}

function BinaryRow({ binary: b }: { binary: AgentBinaryView }) {
  const [path, setPath] = useState(b.path ?? '');
  const save = useShoalMutation('agents.setBinary');
  const found = b.resolved && b.version ? `${b.resolved} · version ${b.version}` : null;
  return (
    <form className="setting runtime-row" data-testid={`agent-binary-${b.cli}`} aria-label={`${CLI_LABEL[b.cli]} binary`} onSubmit={(e) => {
      e.preventDefault();
      save.mutate({ cli: b.cli, path: path.trim() || null });
    }}>
      <div className="setting-text">
        <span className="setting-label">{CLI_LABEL[b.cli]} <span className="mono muted">{b.cli}</span></span>
        <span className="setting-hint mono" data-testid="agent-binary-found">{found ?? b.problem ?? 'not found'}</span>
        <label className="field">
          <span className="field-label">Path</span>
          <input className="input mono" value={path} onChange={(e) => setPath(e.target.value)} placeholder={`Empty: ${b.cli} on the PATH`} spellCheck={false} />
        </label>
        {save.error && <ErrorNotice title={`Could not keep the ${b.cli} path`} error={save.error} />}
      </div>
      <div className="runtime-actions">
        <button type="submit" className="button button-small" disabled={save.isPending}>Save path</button>
        {b.path && <button type="button" className="button button-small" onClick={() => {
          setPath('');
          save.mutate({ cli: b.cli, path: null });
        }}>Use PATH</button>}
      </div>
    </form>
  );
}

function KeyRow({ agentKey: k }: { agentKey: AgentKeyView }) {
  const [value, setValue] = useState('');
  const set = useShoalMutation('agents.setKey');
  const state = k.state === 'set' ? 'Set (encrypted)' : k.state === 'unreadable' ? 'Stored but cannot be read here: set it again' : 'Not set';
  return (
    <form className="setting runtime-row" data-testid={`agent-key-${k.provider}`} aria-label={KEY_LABEL[k.provider]} onSubmit={(e) => {
      e.preventDefault();
      if (value.trim()) set.mutate({ provider: k.provider, apiKey: value.trim() }, { onSuccess: () => setValue('') });
    }}>
      <div className="setting-text">
        <span className="setting-label">{KEY_LABEL[k.provider]} <span className="mono muted">{k.env}</span></span>
        <span className="setting-hint" data-testid="agent-key-state">{state}</span>
        <label className="field">
          <span className="field-label">{k.state === 'set' ? 'Replace with' : 'Key'}</span>
          <input className="input mono" type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} placeholder={k.state === 'set' ? 'Stored — type a new key to replace it' : 'Sealed at rest; given only to this agent'} />
        </label>
        {set.error && <ErrorNotice title="Could not store the key" error={set.error} />}
      </div>
      <div className="runtime-actions">
        <button type="submit" className="button button-small" disabled={!value.trim() || set.isPending}>{k.state === 'set' ? 'Replace' : 'Set'}</button>
        {k.state !== 'unset' && <button type="button" className="button button-small button-danger" onClick={() => set.mutate({ provider: k.provider, apiKey: null })}>Clear</button>}
      </div>
    </form>
  );
}
