// A small line chart of recent samples (CPU or memory from heartbeats), with the latest value.
import type { ReactNode } from 'react';

export function Sparkline({ values, max, label, format, stale = false, width = 72, height = 22 }: {
  values: readonly number[];
  /** The source stopped reporting (its host is down): the latest value is the last one heard, not now. */
  stale?: boolean;
  /** Top of the scale (100 for CPU %); by default the largest sample. */
  max?: number;
  label: string;
  format: (v: number) => ReactNode;
  width?: number;
  height?: number;
}) {
  if (values.length === 0) return <span className="spark-empty muted" title={`${label}: no recent heartbeats`}>—</span>;
  const top = Math.max(max ?? 0, ...values, 1e-9);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / top) * (height - 4)).toFixed(1)}`);
  const line = values.length > 1 ? points.join(' ') : `0,${points[0]!.split(',')[1]} ${width},${points[0]!.split(',')[1]}`;
  const last = values[values.length - 1]!;
  return (
    <span className="spark" role="img" aria-label={`${label}: ${stale ? 'last sample' : 'now'} ${String(format(last))}, peak ${String(format(Math.max(...values)))} over the last ${values.length} samples`}>
      {/* Stretches to whatever width CSS gives it (narrow windows draw it shorter); the stroke keeps its width. */}
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" aria-hidden="true">
        <polyline points={`0,${height} ${line} ${width},${height}`} className="spark-area" />
        <polyline points={line} className="spark-line" />
      </svg>
      <span className={stale ? 'spark-value mono muted' : 'spark-value mono'} title={stale ? 'The last sample heard; none since' : undefined}>{format(last)}</span>
    </span>
  );
}
