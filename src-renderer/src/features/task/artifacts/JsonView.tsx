// JSON pretty-printed (two-space indent) with keys, strings, numbers and literals coloured.
import { useMemo, type ReactNode } from 'react';
import { LogViewer } from './LogViewer';

const TOKEN = /("(?:[^"\\]|\\.)*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

export function colorizeJsonLine(line: string): ReactNode[] {
  const out: ReactNode[] = [];
  let from = 0;
  for (const m of line.matchAll(TOKEN)) {
    if (m.index > from) out.push(line.slice(from, m.index));
    const cls = m[1] ? (m[2] ? 'json-key' : 'json-string') : m[3] ? 'json-literal' : 'json-number';
    out.push(<span key={m.index} className={cls}>{m[1] ?? m[0]}</span>);
    if (m[2]) out.push(m[2]);
    from = m.index + m[0].length;
  }
  out.push(line.slice(from));
  return out;
}

export function JsonView({ text, label }: { text: string; label: string }) {
  const pretty = useMemo(() => {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return null;
    }
  }, [text]);
  if (pretty === null) {
    return (
      <>
        <p className="notice-inline">Not valid JSON; shown as text.</p>
        <LogViewer text={text} label={label} />
      </>
    );
  }
  return <LogViewer text={pretty} label={label} colorize={colorizeJsonLine} />;
}
