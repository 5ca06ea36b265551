// Turns a dropped or command-line spec into a run ready to create, or into every problem with it as
// `<field path>: <what is wrong>`. Nothing is written unless the whole spec is valid.
import path from 'node:path';
import { JSONPath } from 'jsonpath-plus';
import { FleetRunSchema, type FleetRun, type FleetTaskSpec, type FleetWorkerSpec } from '../../../../src-shared/protocol/fleet';
import { formatIssues } from '../../../../src-shared/protocol/errors';
import { alertPolicyIssues } from '../../alerts/alert-config';
import { remoteWorkIssues } from './remote-work-fields';
import { keysMeaning, unknownFieldWarnings } from './unknown-fields';
import { parseDockerArgs } from '../../hosts/docker/docker-args';
import { dockerImageProblem } from '../../../../src-shared/protocol/docker-image';
import { readAgentSpec } from '../agents/agent-spec';
import { templateProblem } from '../agents/command-template';
import { policyLooseningIssues, readTaskPolicy } from '../../policy/task-policy';
import type { ApprovalMode, TimeoutDecision } from '../../../../src-shared/contract/methods/policy';
import { expandCandidates } from '../../landing/candidates';
import { newRunId, nowIso, refSlug } from '../ids';
import type { NewRun } from '../fleet-store';
import type { LoadedTask } from './loaded-task';
import { detectFormat, parseSpecText, SpecSyntaxError, type SpecFormat } from './parse-text';

export type { LoadedTask };

export interface LoadedSpec {
  format: SpecFormat;
  run: Omit<NewRun, 'tasks'> & { tasks: LoadedTask[] };
  workers: FleetWorkerSpec[];
  warnings: string[];
}

export type LoadResult = { ok: true; spec: LoadedSpec } | { ok: false; issues: string[] };

export interface LoadOptions {
  filename?: string;
  workspace?: string | null;
  /** Capabilities of the default (local) worker, for placement checks. */
  defaultCapabilities: readonly string[];
  defaultWorkerId?: string;
  /** The workers a person keeps (the registry): they take tasks of runs without worker_specs,
   *  beside the default worker, so placement counts their capabilities too. */
  sharedWorkers?: ReadonlyArray<{ id: string; capabilities: readonly string[] }>;
  /** The person's approval settings: a spec's policy may only make them stricter. */
  userPolicy?: { mode: ApprovalMode; timeoutDecision: TimeoutDecision };
}

const NUL_PROBLEM = 'contains a NUL character (\\u0000), which a program cannot be given';

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

export function loadSpec(text: string, options: LoadOptions): LoadResult {
  // A byte-order mark (Windows editors write one) is no part of the spec: YAML and TOML skipped it,
  // JSON refused it as an invisible 'Unexpected token'.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return { ok: false, issues: ['(root): the file is empty; expected a run (an object with task_specs) or a list of task specs'] };
  let format: SpecFormat;
  let raw: unknown;
  try {
    format = detectFormat(text, options.filename);
    raw = parseSpecText(text, format);
  } catch (e) {
    return { ok: false, issues: [`(root): ${e instanceof SpecSyntaxError ? e.message : String(e)}`] };
  }
  return loadSpecValue(raw, format, options);
}

export function loadSpecValue(raw: unknown, format: SpecFormat, options: LoadOptions): LoadResult {
  // A bare list is a run of those tasks. A spec file need not carry the run's bookkeeping fields
  // (id, status, created_at): they are filled in here, so errors still read `task_specs[2]...`.
  let doc: Record<string, unknown>;
  if (Array.isArray(raw)) doc = { task_specs: raw };
  else if (raw && typeof raw === 'object') doc = { ...(raw as Record<string, unknown>) };
  else return { ok: false, issues: ['(root): expected a run (an object with task_specs) or a list of task specs'] };
  if (!('task_specs' in doc)) {
    // `tasks:` (or `task_spec:`) holds the tasks under a name the protocol does not read: say which.
    const meant = keysMeaning(doc, 'task_specs')[0];
    return { ok: false, issues: [`task_specs: required (a run needs at least one task spec)${meant !== undefined ? `; the spec's "${meant}" is not read: name it task_specs` : ''}`] };
  }
  // A file named just ".yaml" gives no name either.
  const fallbackName = (options.filename ? path.basename(options.filename).replace(/\.(json|ya?ml|toml)$/i, '') : '') || 'untitled run';
  doc.id ??= newRunId();
  doc.name ??= fallbackName;
  doc.status ??= 'pending';
  doc.created_at ??= nowIso();

  const parsed = FleetRunSchema.safeParse(doc);
  if (!parsed.success) {
    // The wire type of a port is a u16, whose range starts at 0; 0 is refused below, so a port past
    // it reads as 0 does rather than as if 0 to 65535 would do.
    const structural = formatIssues(parsed.error).map((issue) => inSpecWords(issue.replace(/^(worker_specs\[\d+\]\.host\.port): expected an integer from 0 to 65535, got (.+)$/, '$1: $2 is not a port; give 1-65535 (or leave it out for 22)')));
    return { ok: false, issues: byElement([...structural, ...issuesOfTheRest(doc, structural, format, options)]) };
  }
  const run = parsed.data as FleetRun;
  const issues: string[] = [];
  // The protocol ignores fields it does not know; a misspelt one is said, not silently dropped.
  const warnings: string[] = unknownFieldWarnings(doc);
  if (run.task_specs.length === 0) issues.push('task_specs: empty; a run needs at least one task spec');
  // A blank name is a blank row in the runs list and the summary table.
  if (run.name.trim() === '') issues.push('name: empty; give the run a name, or leave name out to use the file\'s');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(run.id)) issues.push(`id: "${run.id}" must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`);

  // Workers: the run's own worker_specs, else the default local worker.
  const workerIds = new Map<string, number>();
  run.worker_specs.forEach((w, i) => {
    const prev = workerIds.get(w.id);
    if (prev !== undefined) issues.push(`worker_specs[${i}].id: duplicate id "${w.id}" (also worker_specs[${prev}])`);
    workerIds.set(w.id, i);
    // 0 ran one task at a time all the same (and the preview said 0): neither "none" nor "no limit".
    if (w.max_concurrent_tasks !== undefined && w.max_concurrent_tasks !== null && Number(w.max_concurrent_tasks) < 1) {
      issues.push(`worker_specs[${i}].max_concurrent_tasks: must be at least 1 (leave it out for as many as --max-workers allows)`);
    }
    if (w.id.trim() === '') issues.push(`worker_specs[${i}].id: empty; give the worker an id its tasks' events can name`);
    // What a connection could never be made with: refused now rather than a worker that waits forever.
    if (w.host.kind === 'ssh') {
      if (w.host.host.trim() === '' || /\s/.test(w.host.host)) issues.push(`worker_specs[${i}].host.host: ${w.host.host.trim() === '' ? 'empty' : `"${w.host.host}" has spaces`}; give the SSH host's name or address`);
      if (w.host.port === 0) issues.push(`worker_specs[${i}].host.port: 0 is not a port; give 1-65535 (or leave it out for 22)`);
    }
    // Validation reads the spec only: say what it did not check rather than calling it plainly valid.
    if (w.host.kind === 'ssh') warnings.push(`worker_specs[${i}]: ssh host ${w.host.host} was not contacted (reachability, host key, git are checked when the run starts)`);
    if (w.host.kind === 'docker') {
      const badImage = dockerImageProblem(w.host.image);
      if (badImage) issues.push(`worker_specs[${i}].host.image: ${badImage}`);
      warnings.push(`worker_specs[${i}]: docker image ${w.host.image} was not checked (the daemon and the image are checked when the run starts)`);
      // The options Shoal passes to a container are known now; the driver would refuse the rest.
      try {
        parseDockerArgs(w.host.args ?? []);
      } catch (e) {
        issues.push(`worker_specs[${i}].host.args: ${(e as Error).message}`);
      }
    }
  });
  const usable = run.worker_specs;
  const pool = run.worker_specs.length > 0 ? run.id : null;
  const workerCaps: Array<{ id: string; caps: Set<string> }> = pool
    ? usable.map((w) => ({ id: w.id, caps: new Set(w.capabilities) }))
    : [{ id: options.defaultWorkerId ?? 'local', caps: new Set(options.defaultCapabilities) }, ...(options.sharedWorkers ?? []).map((w) => ({ id: w.id, caps: new Set(w.capabilities) }))];

  const seen = new Map<string, number>();
  const tasks: LoadedTask[] = [];
  run.task_specs.forEach((t, i) => {
    const at = `task_specs[${i}]`;
    const prev = seen.get(t.id);
    if (prev !== undefined) issues.push(`${at}.id: duplicate id "${t.id}" (also task_specs[${prev}])`);
    seen.set(t.id, i);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(t.id)) issues.push(`${at}.id: "${t.id}" must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`);
    if (t.name.trim() === '') issues.push(`${at}.name: empty; give the task a name to know it by`);
    if (t.instructions.trim() === '') issues.push(`${at}.instructions: empty; say what the agent should do`);
    if (t.timeout_seconds !== null && t.timeout_seconds !== undefined && Number(t.timeout_seconds) < 1) issues.push(`${at}.timeout_seconds: must be at least 1 (leave it out for no timeout)`);
    checkScorer(t, at, issues);
    issues.push(...alertPolicyIssues(t.alert_policy, `${at}.alert_policy`));
    const meta = t.metadata as Record<string, unknown>;
    const agent = readAgentSpec(meta);
    if (typeof agent === 'string') issues.push(`${at}.metadata.agent: ${agent}`);
    const priority = readPriority(meta.priority, `${at}.metadata.priority`, issues);
    const requires = readStringList(meta.requires, `${at}.metadata.requires`, issues);
    if (meta.env !== undefined && (typeof meta.env !== 'object' || meta.env === null || Array.isArray(meta.env) || Object.values(meta.env).some((v) => typeof v !== 'string'))) {
      issues.push(`${at}.metadata.env: expected a map of environment variable names to strings`);
    } else if (meta.env !== undefined) {
      for (const [name, value] of Object.entries(meta.env as Record<string, string>)) {
        const field = /^[A-Za-z_$][\w$]*$/.test(name) ? `${at}.metadata.env.${name}` : `${at}.metadata.env[${JSON.stringify(name)}]`;
        if (name === '' || name.includes('=') || name.includes('\0')) issues.push(`${field}: not an environment variable name (it must be non-empty, without "=" or NUL)`);
        else if (value.includes('\0')) issues.push(`${field}: ${NUL_PROBLEM}`);
      }
    }
    // What the agent is started with: a NUL in it made the start throw, and the attempt hung in "starting".
    if (t.instructions.includes('\0')) issues.push(`${at}.instructions: ${NUL_PROBLEM}`);
    if (typeof agent !== 'string' && agent.kind === 'custom') {
      const field = `${at}.metadata.${typeof meta.agent === 'object' ? 'agent.command' : 'command'}`;
      if (agent.command.includes('\0')) issues.push(`${field}: ${NUL_PROBLEM}`);
      // A template that cannot be split into a command would fail every attempt before it started.
      const problem = templateProblem(agent.command);
      if (problem) issues.push(`${field}: ${problem}`);
    }
    if (typeof meta.model === 'string' && meta.model.includes('\0')) issues.push(`${at}.metadata.model: ${NUL_PROBLEM}`);
    // The run's exec policy: a malformed one would refuse every tool call of the task once it ran.
    const policy = readTaskPolicy(meta);
    if (!policy.ok) issues.push(...policy.issues.map((i) => `${at}.${i}`));
    else if (options.userPolicy) issues.push(...policyLooseningIssues(policy.policy, options.userPolicy).map((i) => `${at}.${i}`));
    checkRelativePaths(meta.artifact_paths, `${at}.metadata.artifact_paths`, issues);
    issues.push(...remoteWorkIssues(meta, `${at}.metadata`));
    const placeableOn = workerCaps.filter((w) => requires.every((r) => w.caps.has(r))).map((w) => w.id);
    let unplaceable: string | null = null;
    if (placeableOn.length === 0) {
      unplaceable = requires.length > 0
        ? `no worker offers ${requires.map((r) => `"${r}"`).join(', ')} (${workerCaps.length === 0 ? 'this run has no usable worker' : `workers: ${workerCaps.map((w) => `${w.id} [${[...w.caps].join(', ')}]`).join('; ')}`})`
        : 'this run has no usable worker';
      warnings.push(`${at}: cannot be placed: ${unplaceable}`);
    }
    tasks.push({ spec: t, priority, requires, pool, unplaceable, agent: typeof agent === 'string' ? { kind: 'shell' } : agent, placeableOn });
  });
  // Best-of-N: a task asking for candidates becomes one sibling task per candidate.
  const expanded = expandCandidates(tasks, issues);
  issues.push(...sharedNameIssues(expanded, run.task_specs.map((t) => t.id)));
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    spec: {
      format,
      warnings,
      workers: run.worker_specs,
      run: { id: run.id, name: run.name, labels: run.labels, workerSpecs: run.worker_specs, workspace: options.workspace ?? null, createdAt: run.created_at, tasks: expanded },
    },
  };
}

type ElementList = 'task_specs' | 'worker_specs';

/** Problems in file order of what they are about: the run's own fields, each task, each worker. */
function byElement(issues: string[]): string[] {
  const rank = (issue: string): [number, number] => {
    const m = /^(task_specs|worker_specs)\[(\d+)\]/.exec(issue);
    return m ? [m[1] === 'task_specs' ? 1 : 2, Number(m[2])] : [0, 0];
  };
  return issues.map((issue, i) => ({ issue, i, r: rank(issue) }))
    .sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || a.i - b.i).map((x) => x.issue);
}

/**
 * A spec whose shape is wrong in some tasks or workers (a field missing, an unknown scorer kind) is
 * still read for everything else: the problems of the elements that do parse (an empty instruction,
 * a duplicate id, a bad regex) are said in the same pass, so fixing a spec takes one round, not one
 * per kind of check. The elements in error are left out of that pass; what it says is given back at
 * their own places in the file. A run-level field in error (its name, the list itself) stops here.
 */
function issuesOfTheRest(doc: Record<string, unknown>, structural: readonly string[], format: SpecFormat, options: LoadOptions): string[] {
  const broken: Record<ElementList, Set<number>> = { task_specs: new Set(), worker_specs: new Set() };
  for (const issue of structural) {
    const m = /^(task_specs|worker_specs)\[(\d+)\]/.exec(issue);
    if (!m) return [];
    broken[m[1] as ElementList].add(Number(m[2]));
  }
  const rest: Record<string, unknown> = { ...doc };
  const places: Record<ElementList, number[]> = { task_specs: [], worker_specs: [] };
  for (const key of ['task_specs', 'worker_specs'] as const) {
    const list = doc[key];
    if (!Array.isArray(list)) continue;
    rest[key] = list.filter((_, i) => !broken[key].has(i) && places[key].push(i) > 0);
  }
  // With no task left there is nothing to check beyond the shape (and "empty" would be wrong).
  if (places.task_specs.length === 0) return [];
  const second = loadSpecValue(rest, format, options);
  if (second.ok) return [];
  return second.issues.map((issue) => issue.replace(/\b(task_specs|worker_specs)\[(\d+)\]/g,
    (whole, key: ElementList, k: string) => (places[key][Number(k)] === undefined ? whole : `${key}[${places[key][Number(k)]}]`)));
}

/**
 * Each task works on the branch shoal/<run>/<refSlug(id)>, in folders named the same way. Two ids
 * that come out the same there ("a..b" and "a.b", "x.lock" and "x-lock", ids alike in their first 80
 * characters) shared one branch: the second task's work replaced the first's. Ids that differ only
 * in case ("A" and "a") are one folder and one branch on macOS and Windows. Duplicate ids are
 * reported apart. `specIds`: the spec's task ids in order (a candidate is placed at its task's).
 */
function sharedNameIssues(tasks: readonly LoadedTask[], specIds: readonly string[]): string[] {
  const issues: string[] = [];
  const indexOf = new Map<string, number>();
  specIds.forEach((id, i) => {
    if (!indexOf.has(id)) indexOf.set(id, i);
  });
  const where = (t: LoadedTask): string => {
    const of = (t.spec.metadata as Record<string, unknown>).candidate_of;
    return `task_specs[${indexOf.get(typeof of === 'string' ? of : t.spec.id) ?? '?'}]`;
  };
  const bySlug = new Map<string, LoadedTask>();
  const said = new Set<string>();
  for (const t of tasks) {
    const id = t.spec.id;
    const slug = refSlug(id);
    const first = bySlug.get(slug.toLowerCase());
    if (first === undefined) {
      bySlug.set(slug.toLowerCase(), t);
      continue;
    }
    const other = first.spec.id;
    if (other === id || said.has(id)) continue;
    said.add(id);
    const at = where(t);
    const otherAt = where(first);
    issues.push(refSlug(other) === slug
      ? `${at}.id: "${id}" would share the branch shoal/<run>/${slug} with "${other}" (${otherAt}) (branch names cannot hold every id as written); give one of them another id`
      : `${at}.id: "${id}" differs from "${other}" (${otherAt}) only in case, and macOS and Windows take their branches and folders for one; give one of them another id`);
  }
  return issues;
}

function checkScorer(t: FleetTaskSpec, at: string, issues: string[]): void {
  const s = t.scorer;
  if (!s) return;
  if (s.kind === 'file_exists' || s.kind === 'regex_match' || s.kind === 'json_path') {
    const problem = relativePathProblem(String(s.path));
    if (problem) issues.push(`${at}.scorer.path: ${problem}`);
  }
  if (s.kind === 'regex_match') {
    try {
      new RegExp(s.pattern, 'm');
    } catch (e) {
      issues.push(`${at}.scorer.pattern: not a valid regular expression (${(e as Error).message})`);
    }
  }
  if (s.kind === 'json_path') {
    if (!s.expression.trim().startsWith('$')) issues.push(`${at}.scorer.expression: a JSONPath starts with "$", e.g. "$.summary.passed"`);
    else {
      try {
        JSONPath({ path: s.expression, json: {}, wrap: true });
      } catch (e) {
        issues.push(`${at}.scorer.expression: not a valid JSONPath (${(e as Error).message})`);
      }
    }
  }
}

/** Scorer and artifact paths are read inside the task's workdir only. */
export function relativePathProblem(p: string): string | null {
  if (p.trim() === '') return 'empty; give a path relative to the task workdir';
  if (path.isAbsolute(p) || /^[A-Za-z]:[\\/]/.test(p)) return `"${p}" is absolute; give a path relative to the task workdir`;
  const norm = path.posix.normalize(p.replace(/\\/g, '/'));
  if (norm === '..' || norm.startsWith('../')) return `"${p}" leaves the task workdir; paths must stay inside it`;
  return null;
}

function checkRelativePaths(value: unknown, at: string, issues: string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push(`${at}: expected a map of artifact kind to a path relative to the workdir`);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') issues.push(`${at}.${k}: expected a path string`);
    else {
      const problem = relativePathProblem(v);
      if (problem) issues.push(`${at}.${k}: ${problem}`);
    }
  }
}

function readPriority(v: unknown, at: string, issues: string[]): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < I32_MIN || v > I32_MAX) {
    issues.push(`${at}: expected an integer from ${I32_MIN} to ${I32_MAX} (higher runs first)`);
    return 0;
  }
  return v;
}

function readStringList(v: unknown, at: string, issues: string[]): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    issues.push(`${at}: expected a list of capability names, e.g. ["gpu", "docker"]`);
    return [];
  }
  return v as string[];
}

/** The wire types' names as a person writing a spec knows the parts (the protocol's own messages,
 *  which `shoal wire` keeps word for word, name Rust types and JSON whatever the file's format). */
const SPEC_PARTS: Record<string, string> = {
  FleetHostSpec: 'a host', FleetScorerSpec: 'a scorer', FleetRetryPolicy: 'a retry policy', FleetAlertPolicy: 'an alert policy',
  FleetTaskSpec: 'a task spec', FleetWorkerSpec: 'a worker spec', FleetRun: 'a run', FleetScore: 'a score',
};

function inSpecWords(issue: string): string {
  return issue.replace(/expected (Fleet[A-Za-z]+) \(a JSON (object|object or array|object with a "kind" field)\)/, (whole, type: string, shape: string) =>
    SPEC_PARTS[type] ? `expected ${SPEC_PARTS[type]} (${shape === 'object or array' ? 'an object' : `an ${shape}`})` : whole);
}
