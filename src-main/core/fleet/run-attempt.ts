// Runs one leased attempt on this computer: workdir, agent process, live events, heartbeats and
// lease renewal, timeout and cancellation, then artifacts, the scorer and the receipt. Every write
// is fenced by the lease; once the lease is lost the agent is stopped and nothing more is written.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { FleetArtifactRef, FleetTaskSpec } from '../../../src-shared/protocol/fleet';
import { readAgentSpec } from './agents/agent-spec';
import { planLaunch } from './agents/launch';
import { parserFor } from './agents/stream-parsers';
import type { AttemptBinding, AttemptSession } from '../gateway/gateway';
import { artifactDir, collectArtifact, describeArtifact, writeArtifact } from './artifacts';
import type { EventPayload } from './event-log';
import type { AttemptOutcome, FleetStore } from './fleet-store';
import { LeaseLostError, type Lease } from './lease';
import { processStartTime, signalGroup, TreeSampler } from './process-tree';
import { score } from './scorers';
import { commitWorkdir, prepareWorkdir, removeWorkdir, workdirPatch, type Workdir } from './workspace';

export interface AttemptDeps {
  fleet: FleetStore;
  dataDir: string;
  workspace: string | null;
  leaseMs: number;
  heartbeatMs: number;
  /** Grace between SIGTERM and SIGKILL. */
  killGraceMs: number;
  env: NodeJS.ProcessEnv;
  worktreeCleanup: 'always' | 'on_success' | 'never';
  onSpawned?: (lease: Lease, latencyMs: number) => void;
  onHeartbeat?: (lease: Lease, usage: { cpuPercent: number; memoryMb: number } | null) => void;
  /** Judges the agent's tool calls (exec policy, approvals); without it the shell agent runs bare. */
  gateway?: { openAttempt(binding: AttemptBinding): Promise<AttemptSession> };
}

export type StopReason = { kind: 'cancel'; by: string } | { kind: 'interrupt'; signal: string };

export interface AttemptHandle {
  lease: Lease;
  done: Promise<void>;
  stop(reason: StopReason): void;
}

export function startAttempt(lease: Lease, deps: AttemptDeps): AttemptHandle {
  let stopReason: StopReason | null = null;
  let killer: ((reason: StopReason) => void) | null = null;
  const handle: AttemptHandle = {
    lease,
    done: Promise.resolve(),
    stop(reason) {
      if (stopReason) return;
      stopReason = reason;
      killer?.(reason);
    },
  };
  handle.done = runAttempt(lease, deps, () => stopReason, (k) => {
    killer = k;
    if (stopReason) k(stopReason);
  }).catch((error: unknown) => {
    if (!(error instanceof LeaseLostError)) console.error(`[shoal] attempt ${lease.runId}/${lease.taskId}#${lease.attempt} failed:`, error);
  });
  return handle;
}

async function runAttempt(lease: Lease, deps: AttemptDeps, stopped: () => StopReason | null, setKiller: (k: (r: StopReason) => void) => void): Promise<void> {
  const { fleet } = deps;
  const spec = fleet.taskSpec(lease.runId, lease.taskId);
  const metadata = spec.metadata as Record<string, unknown>;
  const outDir = artifactDir(deps.dataDir, lease.runId, lease.taskId, lease.attempt);
  fs.mkdirSync(outDir, { recursive: true });
  const logPath = path.join(outDir, 'agent.log');

  let workdir: Workdir;
  try {
    workdir = await prepareWorkdir({ dataDir: deps.dataDir, workspace: deps.workspace, runId: lease.runId, taskId: lease.taskId, attempt: lease.attempt });
  } catch (e) {
    fs.writeFileSync(logPath, `shoal: could not prepare the workdir: ${(e as Error).message}\n`);
    fleet.finish(lease, { kind: 'scored', result: 'fail', exitCode: null, reason: `workdir: ${(e as Error).message}`, receipt: { artifacts: [describeArtifact('log', logPath)], score: null } });
    return;
  }
  const early = stopped();
  if (early) {
    fleet.finish(lease, early.kind === 'cancel' ? { kind: 'cancelled', by: early.by, receipt: { artifacts: [], score: null } } : { kind: 'interrupted', signal: early.signal });
    return;
  }
  fleet.markStarting(lease, workdir.dir, workdir.branch);

  // The agent's tool calls go through the gateway; their lifecycle joins the timeline through the
  // same fenced queue as the agent's own events (bound below, once the queue exists).
  let recordTool: (events: EventPayload[]) => void = () => {};
  const binding: AttemptBinding = {
    scope: { kind: 'task', runId: lease.runId, taskId: lease.taskId, attempt: lease.attempt, workdir: workdir.dir },
    metadata, env: {}, record: (events) => recordTool(events),
  };
  const session = deps.gateway ? await deps.gateway.openAttempt(binding) : null;
  const agent = readAgentSpec(metadata);
  let plan: ReturnType<typeof planLaunch>;
  try {
    plan = planLaunch(typeof agent === 'string' ? { kind: 'shell' } : agent, {
      instructions: spec.instructions, workdir: workdir.dir, runId: lease.runId, taskId: lease.taskId, attempt: lease.attempt,
      artifactsDir: outDir, isGitRepo: workdir.repo !== null, taskEnv: (metadata.env as Record<string, string> | undefined) ?? {}, parentEnv: deps.env,
      ...(session ? { gateway: { url: session.url } } : {}),
    });
  } catch (e) {
    session?.close();
    throw e;
  }
  binding.env = plan.env;

  const log = fs.createWriteStream(logPath, { flags: 'a' });
  const parser = parserFor(plan.stream);
  const child = spawn(plan.command, plan.args, { cwd: workdir.dir, env: plan.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });

  let leaseLost = false;
  let timedOut = false;
  let killTimer: NodeJS.Timeout | null = null;
  const pending: EventPayload[] = [];
  let flushTimer: NodeJS.Timeout | null = null;

  // Once the agent has exited its pid may be reused: never signal it after that.
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const kill = (): void => {
    session?.stopCommands();
    if (!child.pid || killTimer || exited) return;
    signalGroup(child.pid, 'SIGTERM');
    killTimer = setTimeout(() => child.pid && signalGroup(child.pid, 'SIGKILL'), deps.killGraceMs);
    killTimer.unref();
  };
  setKiller(kill);

  // Writes made while the attempt runs: a lost lease means another attempt owns the task now.
  const fenced = (fn: () => void): void => {
    if (leaseLost) return;
    try {
      fn();
    } catch (e) {
      if (e instanceof LeaseLostError) {
        leaseLost = true;
        kill();
      } else throw e;
    }
  };
  const flushEvents = (): void => {
    flushTimer = null;
    if (pending.length > 0) fenced(() => fleet.progress(lease, pending.splice(0)));
  };
  const queueEvents = (events: EventPayload[]): void => {
    if (events.length === 0) return;
    pending.push(...events);
    flushTimer ??= setTimeout(flushEvents, 25);
  };
  recordTool = queueEvents;

  const spawned = new Promise<boolean>((resolve) => {
    child.once('spawn', () => {
      deps.onSpawned?.(lease, Date.now() - lease.grantedAt);
      fenced(() => fleet.markRunning(lease, child.pid!, processStartTime(child.pid!)));
      resolve(true);
    });
    child.once('error', (e) => {
      log.write(`shoal: could not start ${plan.command}: ${e.message}\n`);
      resolve(false);
    });
  });

  const out = readline.createInterface({ input: child.stdout! });
  out.on('line', (line) => {
    log.write(line + '\n');
    queueEvents(parser.line(line));
  });
  child.stderr!.on('data', (chunk: Buffer) => log.write(chunk));

  const sampler = child.pid ? new TreeSampler(child.pid) : null;
  const heartbeat = setInterval(() => {
    const usage = sampler?.sample() ?? null;
    const hb: EventPayload = { state: 'heartbeat' };
    if (usage) {
      hb.cpu_percent = usage.cpuPercent;
      hb.memory_mb = usage.memoryMb;
    }
    fenced(() => {
      fleet.renew(lease, Date.now(), deps.leaseMs);
      fleet.progress(lease, [hb]);
    });
    deps.onHeartbeat?.(lease, usage);
  }, deps.heartbeatMs);
  heartbeat.unref();

  const timeoutS = spec.timeout_seconds === null || spec.timeout_seconds === undefined ? null : Number(spec.timeout_seconds);
  const timeout = timeoutS !== null && Number.isFinite(timeoutS) && timeoutS * 1000 < 2 ** 31
    ? setTimeout(() => {
      timedOut = true;
      log.write(`\nshoal: timed out after ${timeoutS}s; stopping the agent\n`);
      kill();
    }, timeoutS * 1000)
    : null;

  const started = await spawned;
  const exit = started
    ? await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      let result: { code: number | null; signal: NodeJS.Signals | null } | null = null;
      let streamsOpen = 2;
      const maybe = () => result && streamsOpen <= 0 && resolve(result);
      child.stdout!.once('close', () => { streamsOpen--; maybe(); });
      child.stderr!.once('close', () => { streamsOpen--; maybe(); });
      child.once('exit', (code, signal) => { result = { code, signal }; maybe(); });
    })
    : { code: null, signal: null };
  clearInterval(heartbeat);
  if (timeout) clearTimeout(timeout);
  if (killTimer) clearTimeout(killTimer);
  // Anything the agent left behind in its group (a background job) goes with it.
  if (child.pid) signalGroup(child.pid, 'SIGKILL');
  session?.close();
  if (flushTimer) clearTimeout(flushTimer);
  flushEvents();
  await new Promise<void>((resolve) => log.end(resolve));
  if (leaseLost) return;

  const stop = stopped();
  const logRef = describeArtifact('log', logPath);
  if (stop?.kind === 'interrupt') {
    fleet.finish(lease, { kind: 'interrupted', signal: stop.signal });
    return;
  }

  const artifacts: FleetArtifactRef[] = [logRef];
  let patchText = '';
  try {
    patchText = await workdirPatch(workdir);
  } catch {
    patchText = '';
  }
  if (patchText.length > 0) artifacts.push(writeArtifact(outDir, 'changes.patch', 'patch', patchText));
  artifacts.push(...collectExpected(spec, workdir.dir, outDir));
  fenced(() => fleet.progress(lease, artifacts.map((a) => ({ state: 'artifact', ...a }) as EventPayload)));
  if (leaseLost) return;

  let outcome: AttemptOutcome;
  if (stop?.kind === 'cancel') {
    outcome = { kind: 'cancelled', by: stop.by, receipt: { artifacts, score: null } };
  } else if (timedOut) {
    outcome = { kind: 'scored', result: 'timeout', exitCode: exit.code, reason: `timed out after ${timeoutS}s`, receipt: { artifacts, score: null } };
  } else if (!started) {
    outcome = { kind: 'scored', result: 'fail', exitCode: null, reason: `could not start ${plan.command} (is it installed and on PATH?)`, receipt: { artifacts, score: null } };
  } else {
    const code = exit.code ?? (exit.signal ? 128 : null);
    const verdict = score(spec.scorer ?? null, code, workdir.dir, metadata);
    const missing = missingExpected(spec, artifacts);
    const summary = parser.summary();
    if (verdict.result === 'review') outcome = { kind: 'review', exitCode: code, ...(summary ? { summary } : {}), receipt: { artifacts, score: null } };
    else {
      const sc = verdict.score && missing.length > 0 ? { ...verdict.score, notes: `${verdict.score.notes ?? ''}; missing expected artifacts: ${missing.join(', ')}`.replace(/^; /, '') } : verdict.score;
      outcome = {
        kind: 'scored', result: verdict.result, exitCode: code, ...(summary ? { summary } : {}),
        ...(verdict.result === 'fail' ? { reason: verdict.reason ?? 'failed' } : {}),
        receipt: { artifacts, score: sc },
      };
    }
  }
  await commitWorkdir(workdir, `shoal: ${lease.taskId} (attempt ${lease.attempt})`);
  try {
    fleet.finish(lease, outcome);
  } catch (e) {
    if (e instanceof LeaseLostError) return;
    throw e;
  }
  const passed = outcome.kind === 'scored' && outcome.result === 'pass';
  if (deps.worktreeCleanup === 'always' || (deps.worktreeCleanup === 'on_success' && passed)) await removeWorkdir(workdir).catch(() => undefined);
}

/** Expected artifacts beyond log and patch: from metadata.artifact_paths[kind], else any file the
 *  agent wrote to $SHOAL_ARTIFACTS_DIR whose name starts with the kind. */
function collectExpected(spec: FleetTaskSpec, workdir: string, outDir: string): FleetArtifactRef[] {
  const paths = ((spec.metadata as Record<string, unknown>).artifact_paths ?? {}) as Record<string, string>;
  const refs: FleetArtifactRef[] = [];
  for (const kind of new Set(spec.expected_artifacts.map(String))) {
    if (kind === 'log' || kind === 'patch') continue;
    const rel = paths[kind];
    if (rel) {
      try {
        const ref = collectArtifact(workdir, rel, outDir, kind);
        if (ref) refs.push(ref);
      } catch {
        // Outside the workdir: never read; reported as missing.
      }
      continue;
    }
    for (const name of fs.readdirSync(outDir)) {
      if (name.startsWith(kind) && name !== 'agent.log' && name !== 'changes.patch') refs.push(describeArtifact(kind, path.join(outDir, name)));
    }
  }
  return refs;
}

function missingExpected(spec: FleetTaskSpec, artifacts: FleetArtifactRef[]): string[] {
  const have = new Set(artifacts.map((a) => String(a.kind)));
  return [...new Set(spec.expected_artifacts.map(String))].filter((k) => k !== 'patch' && !have.has(k));
}

