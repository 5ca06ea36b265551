// What this Shoal is and where its data lives, from app.info. Useful in bug reports.
import { useState } from 'react';
import { useShoalQuery } from '../../transport/query';
import { CopyIcon } from '../../ui/icons';
import { ErrorNotice, Loading } from '../../ui/QueryStatus';

const TRANSPORT_LABELS = { electron: 'Desktop app (Electron IPC)', headless: 'Headless host (WebSocket)' } as const;

export function AboutBlock() {
  const info = useShoalQuery('app.info', {});
  if (info.isPending) return <Loading label="Loading…" />;
  if (info.isError) return <ErrorNotice title="Could not read app info" error={info.error} onRetry={() => void info.refetch()} />;
  const i = info.data;
  return (
    <dl className="about" data-testid="about">
      <div><dt>Version</dt><dd className="mono" data-testid="about-version">{i.version}</dd></div>
      <div><dt>Protocol</dt><dd className="mono">{i.protocolVersion}</dd></div>
      <div><dt>Transport</dt><dd><span data-testid="about-transport" data-value={i.transport}>{TRANSPORT_LABELS[i.transport]}</span></dd></div>
      <div><dt>Platform</dt><dd className="mono">{i.platform}</dd></div>
      <div><dt>Database</dt><dd className="mono path"><span data-testid="about-db-path">{i.dbPath}</span><CopyButton text={i.dbPath} label="Copy database path" /></dd></div>
      <div><dt>Data folder</dt><dd className="mono path"><span>{i.dataDir}</span><CopyButton text={i.dataDir} label="Copy data folder path" /></dd></div>
    </dl>
  );
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button type="button" className="icon-button" aria-label={label} title={copied ? 'Copied' : label}
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => {
          setCopied(true);
          window.setTimeout(() => setCopied(false), 1500);
        });
      }}>
      <CopyIcon size={14} />
    </button>
  );
}
