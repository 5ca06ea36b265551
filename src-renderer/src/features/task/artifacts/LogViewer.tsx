// A text artifact as numbered lines (virtualized: a log can have millions), with search: matches
// highlighted, Enter / Shift+Enter (or the arrows) jump between them. A file larger than what is
// loaded can also be searched whole on the host.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ArtifactRef } from '../../../../../src-shared/contract';
import { useClient } from '../../../transport/query';

const ROW_H = 19;

export function LogViewer({ text, label, colorize, whole }: {
  text: string;
  label: string;
  /** Syntax colouring for one line (JSON). */
  colorize?: (line: string) => ReactNode;
  /** The file on the host, when only part of it is loaded. */
  whole?: { runId: string; taskId: string; attempt: number; artifact: ArtifactRef };
}) {
  const lines = useMemo(() => {
    const l = text.split('\n');
    if (l.length > 1 && l[l.length - 1] === '') l.pop();
    return l;
  }, [text]);
  const [query, setQuery] = useState('');
  const [at, setAt] = useState(0);
  const needle = query.trim().toLowerCase();
  const matches = useMemo(() => {
    if (!needle) return [];
    const out: number[] = [];
    for (let i = 0; i < lines.length; i++) if (lines[i]!.toLowerCase().includes(needle)) out.push(i);
    return out;
  }, [lines, needle]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: lines.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 30 });
  const current = matches.length > 0 ? matches[Math.min(at, matches.length - 1)]! : -1;

  useEffect(() => setAt(0), [needle]);
  useEffect(() => {
    // Rows have a fixed height: centre the current match directly.
    const el = scroller.current;
    if (current >= 0 && el) el.scrollTop = Math.max(0, current * ROW_H - el.clientHeight / 2 + ROW_H / 2);
  }, [current]);

  const step = (d: number) => matches.length > 0 && setAt((a) => (a + d + matches.length) % matches.length);
  const gutter = String(lines.length).length;

  return (
    <div className="log-viewer" data-testid="log-viewer">
      <div className="log-search" role="search">
        <input className="input log-search-input" type="search" placeholder="Search" value={query} aria-label={`Search ${label}`} data-testid="log-search"
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === 'ArrowDown') {
              e.preventDefault();
              step(e.shiftKey ? -1 : 1);
            } else if (e.key === 'ArrowUp') {
              e.preventDefault();
              step(-1);
            }
          }} />
        <span className="log-search-count" aria-live="polite" data-testid="log-search-count">
          {needle ? (matches.length === 0 ? 'No matches' : `${Math.min(at, matches.length - 1) + 1} of ${matches.length}`) : `${lines.length.toLocaleString()} lines`}
        </span>
        <button type="button" className="button button-small" onClick={() => step(-1)} disabled={matches.length === 0} aria-label="Previous match">↑</button>
        <button type="button" className="button button-small" onClick={() => step(1)} disabled={matches.length === 0} aria-label="Next match">↓</button>
      </div>
      {whole && needle && <WholeFileSearch query={needle} {...whole} />}
      <div ref={scroller} className="log-lines" tabIndex={0} aria-label={label} role="log" style={{ ['--gutter' as string]: `${gutter + 1}ch` }}>
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((item) => {
            const line = lines[item.index]!;
            return (
              <div key={item.key} className="log-line" data-current={item.index === current || undefined}
                style={{ position: 'absolute', top: 0, left: 0, minWidth: '100%', height: ROW_H, transform: `translateY(${item.start}px)` }}>
                <span className="log-n" aria-hidden="true">{item.index + 1}</span>
                <span className="log-t">{needle && line.toLowerCase().includes(needle) ? highlight(line, needle) : colorize ? colorize(line) : line || ' '}</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

function highlight(line: string, needle: string): ReactNode[] {
  const out: ReactNode[] = [];
  const lower = line.toLowerCase();
  let from = 0;
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + needle.length)) {
    if (i > from) out.push(line.slice(from, i));
    out.push(<mark key={i}>{line.slice(i, i + needle.length)}</mark>);
    from = i + needle.length;
  }
  out.push(line.slice(from));
  return out;
}

function WholeFileSearch({ query, runId, taskId, attempt, artifact }: { query: string; runId: string; taskId: string; attempt: number; artifact: ArtifactRef }) {
  const client = useClient();
  const [result, setResult] = useState<{ matches: Array<{ line: number; text: string }>; truncated: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setResult(null), [query]);
  return (
    <div className="log-whole">
      <span className="muted">Only part of this file is loaded.</span>
      <button type="button" className="button button-small" disabled={busy} onClick={() => {
        setBusy(true);
        client.call('artifacts.read', { runId, taskId, attempt, path: artifact.path, query })
          .then((r) => setResult({ matches: r.matches ?? [], truncated: r.matchesTruncated }), () => setResult({ matches: [], truncated: false }))
          .finally(() => setBusy(false));
      }}>Search the whole file</button>
      {result && (
        <ol className="log-whole-results">
          {result.matches.length === 0 && <li className="muted">No matches in the whole file.</li>}
          {result.matches.map((m) => <li key={m.line}><span className="log-n">{m.line}</span> <span className="mono">{m.text}</span></li>)}
          {result.truncated && <li className="muted">More matches not shown; narrow the search.</li>}
        </ol>
      )}
    </div>
  );
}
