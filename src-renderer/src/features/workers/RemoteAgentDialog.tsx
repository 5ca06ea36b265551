// Add worker → Remote agent: mints a one-time join token and shows the exact `shoal agent` command
// to run on the other machine, with Copy. The token is in this dialog only: main keeps its hash, and
// closing the dialog forgets it. Agents dial in to the agent listener, so when it is not running the
// dialog says so and can start it (with the lease, heartbeat and TLS last set in Settings → Workers).
import { useRef, useState, type ReactNode } from 'react';
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { Dialog } from '../../ui/Dialog';
import { formatAbsolute } from '../../ui/format';
import { ErrorNotice } from '../../ui/QueryStatus';
import { useToast } from '../../ui/Toaster';

const DEFAULT_LISTEN = '127.0.0.1:7071';

export function RemoteAgentDialog({ onClose, picker }: { onClose: () => void; picker: ReactNode }) {
  const listener = useShoalQuery('workers.agentListener', {});
  const start = useShoalMutation('workers.startAgentListener');
  const mint = useShoalMutation('workers.mintJoinToken');
  const [name, setName] = useState('');
  const [ttl, setTtl] = useState('15m');
  const [capabilities, setCapabilities] = useState('');
  const [listen, setListen] = useState<string | null>(null);
  // The address last configured (Settings → Workers), else a loopback default.
  const address = listen ?? listener.data?.config?.listen ?? DEFAULT_LISTEN;
  const joinUrl = listener.data?.url ?? listener.data?.elsewhere?.url ?? null;
  const minted = mint.data;

  return (
    <Dialog title="Add worker" onClose={onClose} testId="add-worker-dialog" initialFocus='[data-first-focus], [name="agent-name"]'
      footer={(
        <>
          <button type="button" className="button" style={{ marginLeft: 'auto' }} onClick={onClose}>{minted ? 'Done' : 'Cancel'}</button>
          <button type="submit" form="agent-token-form" className="button button-primary" data-testid="mint-token" disabled={!joinUrl || mint.isPending}>
            {minted ? 'Mint another' : 'Mint join token'}
          </button>
        </>
      )}>
      <form id="agent-token-form" className="task-form" onSubmit={(e) => {
        e.preventDefault();
        const caps = capabilities.split(',').map((c) => c.trim()).filter(Boolean);
        mint.mutate({ ...(name.trim() ? { name: name.trim() } : {}), ttl: ttl.trim() || '15m', capabilities: caps });
      }}>
        {picker}
        {listener.data && !joinUrl && (
          <div className="agent-listener-off" role="status" data-testid="agent-listener-off">
            <span>The agent listener is not running, so no agent can join yet. Start it on this address:</span>
            <div className="row">
              <input name="agent-listen" className="input mono" aria-label="Listen address" value={address} onChange={(e) => setListen(e.target.value)} />
              <button type="button" className="button" data-testid="start-agent-listener" disabled={start.isPending || !address.trim()}
                onClick={() => start.mutate({ ...(listener.data?.config ?? {}), listen: address.trim() })}>Start listener</button>
            </div>
            <span className="field-hint">An address other machines can reach needs TLS (or an explicit insecure), set in Settings → Workers.</span>
            {start.error && <p className="field-error" role="alert">{start.error.message}</p>}
          </div>
        )}
        {joinUrl && (
          <p className="field-hint" data-testid="agent-listener-on">
            Agents join at <span className="mono">{joinUrl}</span>
            {listener.data?.elsewhere ? ` (the listener of process ${listener.data.elsewhere.pid})` : listener.data?.tls ? ' (TLS)' : listener.data?.insecure ? ' (unencrypted)' : ' (this computer only)'}.
          </p>
        )}
        <label className="field">
          <span className="field-label">Name <span className="muted">(optional)</span></span>
          <input name="agent-name" className="input" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} placeholder="build-box (default: the agent's hostname)" />
        </label>
        <label className="field">
          <span className="field-label">Valid for</span>
          <input name="agent-ttl" className="input mono" value={ttl} onChange={(e) => setTtl(e.target.value)} placeholder="15m" />
          <span className="field-hint">The token works once, within this time: 90s, 15m, 2h, 1d.</span>
        </label>
        <label className="field">
          <span className="field-label">Capabilities <span className="muted">(optional, besides those the agent finds)</span></span>
          <input name="agent-capabilities" className="input" value={capabilities} onChange={(e) => setCapabilities(e.target.value)} placeholder="gpu, linux" />
        </label>
        {mint.error && <ErrorNotice title="No token was minted" error={mint.error} />}
        {minted && <JoinCommand command={minted.command} tokenId={minted.id} expiresAt={minted.expiresAt} />}
      </form>
    </Dialog>
  );
}

function JoinCommand({ command, tokenId, expiresAt }: { command: string; tokenId: string; expiresAt: string }) {
  const toast = useToast();
  const pre = useRef<HTMLPreElement>(null);
  const copy = () => {
    // The clipboard API needs a secure context and permission; selecting the text and the older
    // copy command covers a browser that refuses.
    const fallback = () => {
      const range = document.createRange();
      range.selectNodeContents(pre.current!);
      const sel = window.getSelection();
      sel?.removeAllRanges();
      sel?.addRange(range);
      toast(document.execCommand('copy') ? 'Command copied.' : 'Selected: press Ctrl+C to copy.', 'info');
    };
    if (navigator.clipboard) navigator.clipboard.writeText(command).then(() => toast('Command copied.', 'info'), fallback);
    else fallback();
  };
  return (
    <div className="worker-check ok" data-testid="agent-join" role="status">
      Run this on the agent&apos;s machine. The token is shown only now: it works once, until {formatAbsolute(expiresAt)} (revoke it as <span className="mono" data-testid="agent-token-id">{tokenId}</span>).
      <div className="agent-command">
        <pre ref={pre} data-testid="agent-command">{command}</pre>
        <button type="button" className="button button-small" data-testid="copy-agent-command" onClick={copy}>Copy</button>
      </div>
    </div>
  );
}
