// Fields a spec carries that the protocol does not know. The reference implementation's serde types
// ignore them (no deny_unknown_fields), so a spec with them stays valid — but a misspelt
// `retyr_policy` or `timout_seconds` would silently run without the setting the person wrote, so
// each one is a warning by field path, with the field it probably meant.
// Free-form maps (metadata, labels) take any key and are not looked into.

type Fields = readonly string[];

const RUN: Fields = ['id', 'name', 'status', 'task_specs', 'worker_specs', 'labels', 'created_at', 'updated_at', 'completed_at'];
const TASK: Fields = ['id', 'name', 'description', 'instructions', 'expected_artifacts', 'scorer', 'retry_policy', 'alert_policy', 'timeout_seconds', 'metadata'];
const RETRY: Fields = ['max_attempts', 'initial_backoff_seconds', 'max_backoff_seconds', 'backoff_multiplier'];
const ALERT: Fields = ['channels', 'after_attempts', 'after_minutes_stale', 'approval_escalate_minutes'];
const SCORER: Record<string, Fields> = {
  exit_code: ['kind'], manual: ['kind'], file_exists: ['kind', 'path'], regex_match: ['kind', 'path', 'pattern'], json_path: ['kind', 'path', 'expression'],
};
const WORKER: Fields = ['id', 'name', 'host', 'labels', 'capabilities', 'max_concurrent_tasks'];
const HOST: Record<string, Fields> = { local: ['kind'], ssh: ['kind', 'host', 'port', 'user', 'identity'], docker: ['kind', 'image', 'args'] };
/** Top-level names people reach for instead of the protocol's. */
const RUN_ALIASES: Record<string, string> = { tasks: 'task_specs', workers: 'worker_specs' };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j]! + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = row[j]!;
      row[j] = next;
    }
  }
  return row[b.length]!;
}

/** The known field `key` is probably a misspelling of, if any. */
function closest(key: string, known: Fields): string | null {
  // `timeout` for timeout_seconds, `retry` for retry_policy.
  const longer = known.find((k) => k.startsWith(`${key.toLowerCase()}_`));
  if (longer) return longer;
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== null && bestD <= Math.max(1, Math.min(3, Math.floor(best.length / 3))) ? best : null;
}

function check(value: unknown, known: Fields | undefined, what: string, at: string, out: string[], onlyLikelyTypos = false): void {
  if (!isObject(value) || !known) return;
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    // A task's own setting written once at the top, as if for every task: it is not read there, and
    // a run that believes it set an exec policy that way would run without it.
    if (onlyLikelyTypos && TASK.includes(key) && key !== 'id' && key !== 'name') {
      out.push(`${key}: not a field of a run, so it is ignored; it is a setting of each task (task_specs[N].${key}) — a YAML anchor can share one between tasks`);
      continue;
    }
    const meant = (onlyLikelyTypos ? RUN_ALIASES[key] : undefined) ?? closest(key, known);
    // At the top level a YAML spec may keep shared settings under a key of its own (`defaults:
    // &defaults`): only a likely misspelling is worth a word there.
    if (onlyLikelyTypos && !meant) continue;
    const field = /^[A-Za-z_$][\w$]*$/.test(key) ? `${at}${at ? '.' : ''}${key}` : `${at}[${JSON.stringify(key)}]`;
    out.push(`${field}: not a field of ${what}, so it is ignored${meant ? ` (did you mean ${meant}?)` : ''}`);
  }
}

/** The top-level keys of `doc` that were probably meant as the run's `field` (`tasks` for
 *  task_specs, `task_spec` for it misspelt): for the error that says the field is missing. */
export function keysMeaning(doc: Record<string, unknown>, field: string): string[] {
  return Object.keys(doc).filter((key) => !RUN.includes(key) && (RUN_ALIASES[key] ?? closest(key, RUN)) === field);
}

/** One warning per unknown field of a spec document (a FleetRun object, a bare list already wrapped). */
export function unknownFieldWarnings(doc: Record<string, unknown>): string[] {
  const out: string[] = [];
  check(doc, RUN, 'a run', '', out, true);
  const tasks = Array.isArray(doc.task_specs) ? doc.task_specs : [];
  tasks.forEach((t, i) => {
    const at = `task_specs[${i}]`;
    check(t, TASK, 'a task spec', at, out);
    if (!isObject(t)) return;
    check(t.retry_policy, RETRY, 'retry_policy', `${at}.retry_policy`, out);
    check(t.alert_policy, ALERT, 'alert_policy', `${at}.alert_policy`, out);
    if (isObject(t.scorer) && typeof t.scorer.kind === 'string') check(t.scorer, SCORER[t.scorer.kind], `a ${t.scorer.kind} scorer`, `${at}.scorer`, out);
  });
  const workers = Array.isArray(doc.worker_specs) ? doc.worker_specs : [];
  workers.forEach((w, i) => {
    const at = `worker_specs[${i}]`;
    check(w, WORKER, 'a worker spec', at, out);
    if (isObject(w) && isObject(w.host) && typeof w.host.kind === 'string') check(w.host, HOST[w.host.kind], `a ${w.host.kind} host`, `${at}.host`, out);
  });
  return out;
}
