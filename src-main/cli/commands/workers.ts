// `shoal workers add|list|test|remove`: the workers a person keeps besides a spec's own.
//   add NAME --ssh [USER@]HOST[:PORT] [--identity FILE] [--accept-new-host-key] [--capabilities a,b] [--max-tasks N]
//   add NAME --docker IMAGE [--docker-host URL] [--identity FILE] [--accept-new-host-key] [--capabilities a,b] [--max-tasks N] [-- DOCKER-OPTIONS…]
//   list [--json] · test NAME|local [--json] (exit 0 when usable, 1 with the cause) · remove NAME
//   trust NAME|[USER@]HOST[:PORT] [--fingerprint SHA256:…] [--yes] [--replace] [--json] (workers-trust.ts)
//   owed [--json] · retry-reap RUN TASK ATTEMPT · forget RUN TASK ATTEMPT
// `add` tests the host first and keeps nothing when it cannot be used; an SSH key given with
// --identity is sealed in the store, and the host key it accepted is pinned with the worker. A Docker
// daemon reached over ssh:// logs in the same way (--identity, ssh-agent or ~/.ssh; pinned key).
// `owed` lists the work Shoal still has to stop on hosts (owed reaps, fleet/owed-reaps.ts);
// `retry-reap` tries one now, here; `forget` takes one over (Shoal stops trying; a running app's
// loop stops when it sees the write).
import os from 'node:os';
import type { FleetHostSpec } from '../../../src-shared/protocol/fleet';
import { dockerHostProblem } from '../../core/hosts/docker/docker-client';
import { probeHost, probeKept, type HostCheck } from '../../core/hosts/probe-host';
import { readIdentityFile, takesSshKey } from '../../core/hosts/ssh/identity-file';
import { describeAgentClis } from '../../core/hosts/probe-commands';
import { describeHost, type KeptWorker } from '../../core/hosts/worker-registry';
import { factsToWire } from '../../core/agents-remote/agent-host';
import { FORGET_MEANS } from '../../core/fleet/owed-reap-actions';
import { REMOVED_FROM_KEPT } from '../../core/fleet/worker-reasons';
import type { AttemptKey } from '../../core/fleet/fleet-store';
import { owedReapWorker, ShoalError, type OwedReapRow } from '../../../src-shared/contract';
import { withWorker } from '../../../src-shared/protocol/worker-reason';
import { dockerImageProblem } from '../../../src-shared/protocol/docker-image';
import { capabilitiesProblem } from '../../../src-shared/protocol/capability';
import type { ShoalCore } from '../../core/shoal';
import { DB_OPTION, JSON_OPTION, parseCommand, type CommandDoc } from '../args';
import { cliActor, flagInt, flagList, flagString, UsageError, type CliIo } from '../io';
import { pinForAddressUnlessPinned } from '../../core/hosts/ssh/trust-host-key';
import { sshAddressOf } from '../../core/hosts/ssh-address';
import { openCore } from '../open-core';
import { parseSshTarget } from './ssh-target';
import { trust } from './workers-trust';

export { parseSshTarget } from './ssh-target';

export const doc: CommandDoc = {
  usage: 'workers add|list|test|remove [NAME] [options] [-- DOCKER-OPTIONS…] · workers trust NAME|[USER@]HOST[:PORT] [--fingerprint SHA256:…] [--yes] [--replace] [--json] · workers owed [--json] · workers retry-reap|forget RUN TASK ATTEMPT',
  summary: 'The workers a person keeps besides a spec\'s own: SSH hosts and containers, tested before they are kept.\n'
    + '`trust` shows the SSH host key a host presents and pins it once you confirm it (--fingerprint as checked on the host, or --yes); a key already pinned and the same is said so, a changed one is refused (only --replace --fingerprint NEW replaces a pin, once you checked NEW on the re-keyed host).\n'
    + '`owed` lists work Shoal still has to stop on hosts (an attempt\'s work never seen to end); `retry-reap` tries one now, from here; '
    + '`forget` takes one over: Shoal stops trying, and if that work still runs on its host, ending it is up to you.',
  options: {
    local: { type: 'boolean', help: 'add: this computer, as a worker of its own (its name, capabilities and limit)' },
    ssh: { type: 'string', value: '[USER@]HOST[:PORT]', help: 'add: an SSH host' },
    identity: { type: 'string', value: 'FILE', help: 'add: the SSH private key, for --ssh or --docker-host ssh://… (sealed in the store)' },
    'accept-new-host-key': { type: 'boolean', help: 'add: trust and pin a host key seen for the first time' },
    fingerprint: { type: 'string', value: 'SHA256:…', help: 'trust: pin the key only if the host presents exactly this one' },
    yes: { type: 'boolean', help: 'trust: pin the key the host presents without --fingerprint' },
    replace: { type: 'boolean', help: 'trust: replace a pinned key with the one given by --fingerprint (a re-keyed host)' },
    docker: { type: 'string', value: 'IMAGE', help: 'add: a container image (never pulled)' },
    'docker-host': { type: 'string', value: 'URL', help: 'add: the Docker API: unix://SOCKET, tcp://HOST:PORT (this computer only) or ssh://[USER@]HOST[:PORT][/SOCKET] (default: $DOCKER_HOST or the local socket)' },
    capabilities: { type: 'string', value: 'a,b', help: 'add: capabilities beyond those probed', emptyMeansNone: true },
    'max-tasks': { type: 'string', value: 'N', help: 'add: attempts at once on this worker (1–1024)' },
    json: JSON_OPTION,
    db: DB_OPTION,
  },
  // `add` takes its name and then the Docker options after `--`.
  subcommandArgs: { list: 0, test: 1, remove: 1, trust: 1, owed: 0, 'retry-reap': 3, forget: 3 },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseCommand(args, doc);
  const [sub, name, ...rest] = positional;
  const core = openCore(flags, io);
  try {
    switch (sub) {
      case 'add': return await add(core, name, rest, flags, io, flags.get('json') === true);
      case 'list': return list(core, flags.get('json') === true, io);
      case 'test': return await test(core, name, flags.get('json') === true, io);
      case 'trust': return await trust(core, name, flags, io);
      case 'owed': return owed(core, flags.get('json') === true, io);
      case 'retry-reap': return await retryReap(core, attemptOf(positional.slice(1), 'retry-reap'), io);
      case 'forget': return forget(core, attemptOf(positional.slice(1), 'forget'), io);
      case 'remove': {
        if (!name) throw new UsageError('which worker? e.g. `shoal workers remove gpu-box`');
        if (!core.workerRegistry.remove(name)) throw new UsageError(`no kept worker "${name}"`);
        io.stderr.write(`removed worker ${name}\n`);
        if (flags.get('json')) io.stdout.write(JSON.stringify({ name, removed: true }) + '\n');
        return 0;
      }
      default: throw new UsageError('expected add, list, test, remove, trust, owed, retry-reap or forget (e.g. `shoal workers add box --ssh me@10.0.0.5`)');
    }
  } finally {
    core.close();
  }
}

async function add(core: ShoalCore, name: string | undefined, dockerArgs: string[], flags: Map<string, string | true>, io: CliIo, json: boolean): Promise<number> {
  if (!name) throw new UsageError('which name? e.g. `shoal workers add gpu-box --ssh me@10.0.0.5`');
  // Before the probe, which may pin the host's key: a refused name must leave nothing behind.
  const nameProblem = core.workerRegistry.nameProblem(name);
  if (nameProblem) throw new UsageError(nameProblem);
  const ssh = flagString(flags, 'ssh');
  const image = flagString(flags, 'docker');
  const here = flags.get('local') === true;
  const where = [ssh !== undefined && '--ssh', image !== undefined && '--docker', here && '--local'].filter(Boolean);
  if (where.length > 1) throw new UsageError(`worker ${name}: choose one of ${where.join(' and ')}: a worker runs in one place`);
  if (where.length === 0) throw new UsageError('say where it runs: --local (this computer), --ssh [USER@]HOST[:PORT] or --docker IMAGE');
  if (dockerArgs.length > 0 && image === undefined) throw new UsageError(`worker ${name}: ${dockerArgs.join(' ')}: only a --docker worker takes more arguments (its Docker options, after --)`);
  if (here && (flags.has('identity') || flags.has('docker-host') || flags.has('accept-new-host-key'))) {
    throw new UsageError(`worker ${name}: --local takes only --capabilities and --max-tasks (it logs in nowhere and runs no container)`);
  }
  if (ssh !== undefined && flags.has('docker-host')) throw new UsageError(`worker ${name}: --docker-host is for a --docker worker; an --ssh worker runs its agents on that host directly`);
  const capabilities = [...new Set(flagList(flags, 'capabilities'))];
  const badCapabilities = capabilitiesProblem(capabilities);
  if (badCapabilities) throw new UsageError(`worker ${name}: --capabilities: ${badCapabilities}`);
  const maxTasks = flagInt(flags, 'max-tasks', 1, 1024) ?? null;
  const dockerHost = flagString(flags, 'docker-host') ?? null;
  if (dockerHost !== null) {
    // Judged before the probe: a mistyped address is a usage error (exit 2), as a bad --ssh is.
    const badHost = dockerHostProblem(dockerHost);
    if (badHost) throw new UsageError(`worker ${name}: ${badHost}`);
  }
  const identity = flagString(flags, 'identity');
  let host: FleetHostSpec;
  // Only an SSH login takes a key: an ssh worker's, or that of a Docker daemon reached over ssh://.
  if (identity !== undefined && !takesSshKey(ssh !== undefined ? 'ssh' : 'docker', dockerHost)) {
    throw new UsageError('--identity is for --ssh HOST or --docker-host ssh://HOST');
  }
  let file: string | undefined;
  let privateKey: string | null = null;
  if (identity) {
    try {
      ({ file, privateKey } = readIdentityFile(identity, io.cwd));
    } catch (e) {
      throw new UsageError(`worker ${name}: --identity: ${(e as Error).message}`);
    }
  }
  if (here) {
    host = { kind: 'local' };
  } else if (ssh !== undefined) {
    if (dockerArgs.length > 0) throw new UsageError(`unexpected arguments for an ssh worker: ${dockerArgs.join(' ')}`);
    const t = parseSshTarget(ssh);
    host = { kind: 'ssh', host: t.host, ...(t.port !== undefined ? { port: t.port } : {}), user: t.user ?? os.userInfo().username, ...(file ? { identity: file } : {}) } as FleetHostSpec;
  } else {
    const badImage = dockerImageProblem(image!);
    if (badImage) throw new UsageError(`worker ${name}: --docker: ${badImage}`);
    host = { kind: 'docker', image: image!, args: dockerArgs } as FleetHostSpec;
  }
  const probe = { dataDir: core.dataDir, workerName: name, dockerHost, privateKey, agentBins: () => core.agentBinaries.bins() };
  let check = await probeHost(host, probe);
  // A new host key the person accepts is trusted for this probe only (as the app's dialog does) and
  // pinned once the worker is kept: a host that then refuses the login, or lacks git, leaves no pin.
  const acceptedKey = flags.get('accept-new-host-key') === true ? check.unknownHostKey : null;
  if (acceptedKey) check = await probeHost(host, { ...probe, hostKey: acceptedKey });
  if (!check.ok) {
    io.stderr.write(`${withWorker(name, check.error ?? 'unusable')}\nnothing was added\n`);
    if (json) io.stdout.write(JSON.stringify(checkJson(name, check)) + '\n');
    return 1;
  }
  let kept: KeptWorker;
  try {
    kept = core.workerRegistry.add({ name, host, capabilities, maxTasks, dockerHost, hostKey: check.hostKey, privateKey });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const address = acceptedKey && check.hostKey === acceptedKey ? sshAddressOf(host, dockerHost) : null;
  if (address) pinForAddressUnlessPinned({ dataDir: core.dataDir, audit: core.audit, actor: cliActor(io) }, address, acceptedKey!, 'accepted as new');
  io.stderr.write(`added worker ${name}: ${describeHost(kept.host, kept.dockerHost)}${check.hostKey ? ` (host key ${check.hostKey})` : ''}\n`);
  if (json) io.stdout.write(JSON.stringify({ ...checkJson(name, check), where: describeHost(kept.host, kept.dockerHost), host_key: check.hostKey }) + '\n');
  else printCheck(name, check, io);
  return 0;
}

function list(core: ShoalCore, json: boolean, io: CliIo): number {
  const all = core.workerRegistry.list();
  // The engine's view of each worker (kept ones have their name as id): state and, when unhealthy or offline, why.
  const rows = core.workersView.list();
  // A kept worker the engine last saw removed was added again since (it is kept now): that state is
  // of the worker removed, not of this one, which no Shoal has put in service yet.
  const live = new Map(rows.filter((w) => w.statusReason !== REMOVED_FROM_KEPT || !all.some((k) => k.name === w.id)).map((w) => [w.id, w]));
  // Remote agents that joined (`shoal agent`) are workers too, listed by name with their state.
  const agents = rows.filter((w) => w.hostKind === 'agent');
  // Work Shoal still has to stop on a kept worker's host (an attempt it ran, or any ref it reaches).
  const owed = core.owedReaps.list(); // one read for every worker's count
  // Counted on the worker whose login ends it, as the Workers view counts them.
  const owedOn = (w: KeptWorker) => owed.filter((o) => owedReapWorker(o) === w.name).length;
  if (json) {
    io.stdout.write(JSON.stringify([
      ...all.map((w) => ({
        name: w.name, host: w.host, capabilities: w.capabilities, max_tasks: w.maxTasks, docker_host: w.dockerHost, host_key: w.hostKey, key_sealed: w.hasSecret,
        status: live.get(w.name)?.status ?? null, status_reason: live.get(w.name)?.statusReason ?? null, owed_reaps: owedOn(w),
      })),
      ...agents.map((a) => ({ name: a.name, host: { kind: 'agent' }, id: a.id, status: a.status, status_reason: a.statusReason, capabilities: a.capabilities, max_tasks: a.maxConcurrent, running: a.running, last_heartbeat_at: a.lastHeartbeatAt,
        facts: a.agent?.facts ? factsToWire(a.agent.facts) : null })),
    ]) + '\n');
    return 0;
  }
  if (all.length === 0 && agents.length === 0) io.stderr.write('no kept workers (add one with `shoal workers add NAME --ssh HOST` or `--docker IMAGE`, or join a remote agent: `shoal agent-token`)\n');
  const owedNote = (w: KeptWorker) => {
    const n = owedOn(w);
    return n > 0 ? `  ${n} owed ${n === 1 ? 'reap' : 'reaps'}` : '';
  };
  // Columns as wide as their longest entry (a long name or Docker daemon URL no longer pushes its
  // row's other columns out of line), the why of a worker that is down on its own line under it.
  const lines: Array<{ cells: string[]; why: { status: string; statusReason: string | null } | undefined }> = [
    ...all.map((w) => ({ cells: [w.name, describeHost(w.host, w.dockerHost), w.capabilities.join(',') || '-', `max ${w.maxTasks ?? 'auto'}${owedNote(w)}`], why: live.get(w.name) })),
    ...agents.map((a) => ({ cells: [a.name, `remote agent ${a.id} (${a.status}, ${a.running} running)`, a.capabilities.join(',') || '-', `max ${a.maxConcurrent ?? 'auto'}`], why: a })),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(0, ...lines.map((r) => r.cells[i]!.length)));
  for (const { cells, why } of lines) {
    // The last column is not padded: nothing follows it.
    const line = cells.map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c)).join('  ');
    io.stdout.write(`${line}${why?.statusReason ? `\n${' '.repeat(widths[0]! + 2)}${why.status}: ${why.statusReason}` : ''}\n`);
  }
  return 0;
}

async function test(core: ShoalCore, name: string | undefined, json: boolean, io: CliIo): Promise<number> {
  if (!name) throw new UsageError('which worker? e.g. `shoal workers test gpu-box`, or `shoal workers test local` for this computer');
  const w = core.workerRegistry.forEngine(name);
  if (!w && name !== 'local') throw new UsageError(`no kept worker "${name}"`);
  // `local` (unless a kept worker took the name) is this computer, with the CLI paths from Settings → Agents.
  const check: HostCheck = await probeKept(name, w, { dataDir: core.dataDir, agentBins: () => core.agentBinaries.bins() });
  if (json) io.stdout.write(JSON.stringify(checkJson(name, check)) + '\n');
  else if (check.ok) printCheck(name, check, io);
  else io.stderr.write(`${withWorker(name, check.error ?? 'unusable')}\n`);
  return check.ok ? 0 : 1;
}

/** RUN TASK ATTEMPT, each checked: the field that is wrong is named. */
function attemptOf(args: string[], sub: string): AttemptKey {
  const [runId, taskId, attempt, ...extra] = args;
  const example = `e.g. \`shoal workers ${sub} RUN TASK ATTEMPT\` (\`shoal workers owed\` lists them)`;
  if (!runId) throw new UsageError(`run: required; ${example}`);
  if (!taskId) throw new UsageError(`task: required; ${example}`);
  if (!attempt) throw new UsageError(`attempt: required; ${example}`);
  if (!/^[1-9]\d{0,8}$/.test(attempt)) throw new UsageError(`attempt: "${attempt}" is not an attempt number (1, 2, …)`);
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  return { runId, taskId, attempt: Number(attempt) };
}

/** The core's "that attempt is not owed / does not exist" is the person's input: exit 2, as usage. */
function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ShoalError) throw new UsageError(e.message);
    throw e;
  }
}

function owed(core: ShoalCore, json: boolean, io: CliIo): number {
  const rows = core.owedReaps.list();
  if (json) {
    io.stdout.write(JSON.stringify(rows.map((r) => ({
      run_id: r.runId, task_id: r.taskId, attempt: r.attempt, worker_id: r.workerId, worker_name: r.workerName, kept_worker: r.keptWorker, work: r.work, host_kind: r.hostKind,
      since: r.since, last_error: r.lastError, last_tried_at: r.lastTriedAt, tries: r.tries,
    }))) + '\n');
    return 0;
  }
  if (rows.length === 0) {
    io.stdout.write('Nothing owed: no work is left to stop on any host.\n');
    return 0;
  }
  const host = (r: OwedReapRow) => `${r.workerName ?? r.workerId}: ${r.work}`;
  const attempt = (r: OwedReapRow) => `${r.runId}/${r.taskId}/${r.attempt}`;
  const since = (r: OwedReapRow) => r.since.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const [hw, aw] = [Math.max(4, ...rows.map((r) => host(r).length)), Math.max(16, ...rows.map((r) => attempt(r).length))];
  io.stdout.write(`${'HOST'.padEnd(hw)}  ${'RUN/TASK/ATTEMPT'.padEnd(aw)}  ${'SINCE'.padEnd(20)}  LAST ERROR\n`);
  for (const r of rows) {
    const error = r.lastError ? `${r.lastError} (${r.tries} ${r.tries === 1 ? 'try' : 'tries'})` : '-';
    io.stdout.write(`${host(r).padEnd(hw)}  ${attempt(r).padEnd(aw)}  ${since(r).padEnd(20)}  ${error}\n`);
  }
  io.stderr.write(`A running Shoal (the app, \`shoal serve\`) keeps trying to end ${rows.length === 1 ? 'it' : 'these'}. Try one now: \`shoal workers retry-reap RUN TASK ATTEMPT\`. `
    + `Take one over: \`shoal workers forget RUN TASK ATTEMPT\` (${FORGET_MEANS})\n`);
  return 0;
}

async function retryReap(core: ShoalCore, key: AttemptKey, io: CliIo): Promise<number> {
  const { row } = asUsage(() => core.owedReaps.find(key));
  // This process runs no loops: it tries once, here (a running app may be trying too; a reap is
  // idempotent, and whichever ends it clears the marker for both).
  const outcome = await core.owedReaps.retry(key);
  if (outcome.kind === 'failed') {
    io.stderr.write(`could not end ${row.work} of ${key.runId}/${key.taskId} (attempt ${key.attempt}) yet: ${outcome.error}\nit stays owed: a running Shoal (the app, \`shoal serve\`) keeps trying\n`);
    return 1;
  }
  io.stderr.write(`ended ${row.work} of ${key.runId}/${key.taskId} (attempt ${key.attempt}): nothing is owed for it now\n`);
  return 0;
}

function forget(core: ShoalCore, key: AttemptKey, io: CliIo): number {
  // The core's one log line (on stderr here) says what was forgotten, by whom, and what it means.
  asUsage(() => core.owedReaps.forget(key, cliActor(io)));
  return 0;
}

/** A probe's outcome as `--json` prints it (workers test, workers add). */
function checkJson(name: string, c: HostCheck): Record<string, unknown> {
  return { name, ok: c.ok, ...(c.error ? { error: c.error } : {}), ...factsToWire(c) };
}

function printCheck(name: string, c: HostCheck, io: CliIo): void {
  io.stdout.write(`${name}: usable — git ${c.git}, agents ${describeAgentClis(c.agents)}, ${c.cpus ?? '?'} cpus, ${c.memoryMb ?? '?'} MB, ${c.os ?? 'unknown OS'}\n`);
}
