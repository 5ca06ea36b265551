// Loading and error states for a contract query. Errors show the RemoteError message (written for
// people by main), the field-level issues when there are any, and a way to try again.
import { useEffect, useState } from 'react';
import { RemoteError } from '../../../src-shared/contract/envelope';
import { AlertIcon } from './icons';

export function Loading({ label }: { label: string }) {
  // Wait a beat before showing anything: a local answer usually arrives first, and a flash of
  // "Loading…" is worse than nothing.
  const [visible, setVisible] = useState(false);
  useEffect(() => {
    const id = window.setTimeout(() => setVisible(true), 200);
    return () => window.clearTimeout(id);
  }, []);
  return (
    <div className="loading" role="status" aria-live="polite">
      {visible && <><span className="spinner" aria-hidden="true" />{label}</>}
    </div>
  );
}

/** Refusals of what the person entered: the message says it all, a code would only add noise. */
const SAID_IN_WORDS = new Set(['invalid_input', 'not_found', 'conflict']);

export function ErrorNotice({ error, title, onRetry }: { error: Error; title: string; onRetry?: () => void }) {
  // An issue the message already quotes is not listed again under it.
  const issues = (error instanceof RemoteError ? error.body.issues ?? [] : []).filter((i) => !error.message.includes(i));
  const code = error instanceof RemoteError && !SAID_IN_WORDS.has(error.code) ? error.code : null;
  return (
    <div className="notice" data-tone="failed" role="alert">
      <AlertIcon className="notice-icon" />
      <div className="notice-text">
        <strong>{title}</strong>
        <p data-testid="error-message">{error.message}</p>
        {issues.length > 0 && <ul className="notice-issues">{issues.map((i) => <li key={i}><code>{i}</code></li>)}</ul>}
        {code && <p className="notice-code">Error code: <code>{code}</code></p>}
      </div>
      {onRetry && <button type="button" className="button" onClick={onRetry}>Try again</button>}
    </div>
  );
}
