// Describes a loaded spec for the preview the person sees before launching.
import type { SpecCheck } from '../../../src-shared/contract';
import type { FleetAlertPolicy, FleetScorerSpec } from '../../../src-shared/protocol/fleet';
import { retryNumbers } from '../fleet/retry';
import type { LoadResult } from '../fleet/spec/load-spec';

export function describeScorer(s: FleetScorerSpec | null | undefined): string {
  if (!s) return 'exit code 0';
  switch (s.kind) {
    case 'exit_code': return 'exit code 0';
    case 'file_exists': return `file exists: ${String(s.path)}`;
    case 'regex_match': return `${String(s.path)} matches /${s.pattern}/`;
    case 'json_path': return `${s.expression} in ${String(s.path)}`;
    case 'manual': return 'manual review';
  }
}

function describeAlert(a: FleetAlertPolicy | null | undefined): string | null {
  if (!a || a.channels.length === 0) return null;
  const when = [a.after_attempts ? `after ${a.after_attempts} attempts` : null, a.after_minutes_stale ? `after ${a.after_minutes_stale} min stale` : null,
    a.approval_escalate_minutes ? `approvals after ${a.approval_escalate_minutes} min` : null].filter(Boolean).join(', ');
  return `${a.channels.map((c) => c.kind).join(', ')}${when ? ` (${when})` : ''}`;
}

export function specCheck(result: LoadResult, defaultWorker: { id: string; name: string; capabilities: string[]; maxConcurrent: number }): SpecCheck {
  if (!result.ok) return { ok: false, issues: result.issues, warnings: [], preview: null };
  const { spec } = result;
  const workers = spec.workers.length > 0
    ? spec.workers.map((w) => ({ id: w.id, name: w.name, kind: w.host.kind, capabilities: w.capabilities, maxConcurrent: w.max_concurrent_tasks === undefined || w.max_concurrent_tasks === null ? null : Number(w.max_concurrent_tasks) }))
    : [{ id: defaultWorker.id, name: defaultWorker.name, kind: 'local', capabilities: defaultWorker.capabilities, maxConcurrent: defaultWorker.maxConcurrent }];
  return {
    ok: true,
    issues: [],
    warnings: spec.warnings,
    preview: {
      name: spec.run.name,
      format: spec.format,
      workspace: spec.run.workspace,
      workers,
      tasks: spec.run.tasks.map((t) => {
        const r = retryNumbers(t.spec.retry_policy ?? undefined);
        return {
          id: t.spec.id,
          name: t.spec.name,
          agent: t.agent.kind === 'custom' ? `custom: ${t.agent.command}` : t.agent.kind,
          priority: t.priority,
          scorer: describeScorer(t.spec.scorer),
          retry: r.maxAttempts <= 1 ? 'no retries' : `${r.maxAttempts} attempts, ${r.initialMs / 1000}s ×${r.multiplier} backoff (≤ ${r.maxMs / 1000}s)`,
          alert: describeAlert(t.spec.alert_policy),
          timeoutSeconds: t.spec.timeout_seconds === null || t.spec.timeout_seconds === undefined ? null : Number(t.spec.timeout_seconds),
          requires: t.requires,
          placeableOn: t.placeableOn,
          unplaceable: t.unplaceable,
        };
      }),
    },
  };
}
