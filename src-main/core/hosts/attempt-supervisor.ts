// One leased attempt, wherever it runs: workdir, tool gateway, the agent started through a host
// driver, live events batched into fenced writes, lease renewal, timeout and cancellation, then
// artifacts, the scorer, and the outcome recorded through the engine's group commit. Every write is
// fenced by the lease; once it is lost the agent is stopped and nothing more is written.
import fs from 'node:fs';
import path from 'node:path';
import type { FleetArtifactRef, FleetTaskSpec } from '../../../src-shared/protocol/fleet';
import type { AttemptBinding, AttemptSession } from '../gateway/gateway';
import { readAgentSpec } from '../fleet/agents/agent-spec';
import { planLaunch, type LaunchPlan } from '../fleet/agents/launch';
import { parserFor } from '../fleet/agents/stream-parsers';
import { artifactDir, describeArtifact, writeArtifact } from '../fleet/artifacts';
import type { EventPayload } from '../fleet/event-log';
import { collectExpected, missingExpected } from '../fleet/expected-artifacts';
import type { AttemptOutcome } from '../fleet/fleet-store';
import { LeaseLostError, type Lease } from '../fleet/lease';
import { score } from '../fleet/scorers';
import { commitWorkdir, prepareWorkdir, removeWorkdir, workdirPatch, type Workdir } from '../fleet/workspace';
import type { AttemptPlan, AttemptSink, HostDriver, HostExit, HostUsage } from './host-driver';
import type { HostRef } from './host-ref';
import { withWorker } from '../../../src-shared/protocol/worker-reason';

/** The store operations an attempt may make, all fenced by its lease. */
export interface AttemptStoreOps {
  taskSpec(runId: string, taskId: string): FleetTaskSpec;
  markStarting(lease: Lease, workdir: string | null, branch: string | null): void;
  markRunningOn(lease: Lease, ref: HostRef): void;
  progress(lease: Lease, payloads: EventPayload[]): void;
  renew(lease: Lease, nowMs: number, leaseMs: number): void;
  /** The engine's group commit: settles once the outcome is durable; LeaseLostError when lost. */
  complete(lease: Lease, outcome: AttemptOutcome): Promise<void>;
  /** The work markRunningOn recorded was seen to end, though no outcome recorded it (the lease was
   *  lost meanwhile): its reap marker goes. Not fenced. Absent where nothing is marked (a remote
   *  agent's own attempts). */
  workEnded?(lease: Lease): void;
  /** What the host may run for an attempt never seen to start (HostExit.unconfirmed), though no
   *  outcome recorded it (the lease was lost meanwhile): its reap is owed all the same. Not fenced. */
  workLeftOn?(lease: Lease, ref: HostRef): void;
}

export interface SupervisorDeps {
  ops: AttemptStoreOps;
  driver: HostDriver;
  dataDir: string;
  workspace: string | null;
  /** The worker's name for the driver's errors (default: the lease's worker id). */
  workerName?: string;
  leaseMs: number;
  heartbeatMs: number;
  killGraceMs: number;
  /** The store's identity, marked on the work a remote host starts (AttemptPlan.storeId); absent:
   *  the work is not marked. */
  storeId?: string | null;
  env: NodeJS.ProcessEnv;
  worktreeCleanup: 'always' | 'on_success' | 'never';
  onSpawned?: (lease: Lease, latencyMs: number) => void;
  onHeartbeat?: (lease: Lease, usage: HostUsage | null) => void;
  /** The attempt's host could not be reached or its connection dropped (the reason names the
   *  worker's host and the cause): its worker takes no more work until it answers again. */
  onHostDown?: (lease: Lease, reason: string) => void;
  /** The attempt is over (as far as it records anything) but its host could not confirm the work
   *  ended: it is owed a reap (attempts.reap_pending). */
  onWorkLeft?: (lease: Lease) => void;
  /** Judges the agent's tool calls (exec policy, approvals); without it the shell agent runs bare. */
  gateway?: { openAttempt(binding: AttemptBinding): Promise<AttemptSession> };
}

export type StopReason = { kind: 'cancel'; by: string } | { kind: 'interrupt'; signal: string };

export interface AttemptHandle {
  lease: Lease;
  done: Promise<void>;
  stop(reason: StopReason): void;
}

export function superviseAttempt(lease: Lease, deps: SupervisorDeps): AttemptHandle {
  let stopReason: StopReason | null = null;
  let killer: (() => void) | null = null;
  const handle: AttemptHandle = {
    lease,
    done: Promise.resolve(),
    stop(reason) {
      if (stopReason) return;
      stopReason = reason;
      killer?.();
    },
  };
  let handedToHost = false;
  handle.done = runAttempt(lease, deps, () => stopReason, (k) => {
    killer = k;
    if (stopReason) k();
  }, () => (handedToHost = true)).catch(async (error: unknown) => {
    if (error instanceof LeaseLostError) return;
    console.error(`[shoal] attempt ${lease.runId}/${lease.taskId}#${lease.attempt} failed:`, error);
    // Before its host was handed the attempt nothing runs for it: it fails now, saying why, instead
    // of holding its task in "starting" until the lease lapses. (Once handed over, the exit path
    // records the outcome; a second outcome would be refused by the lease's fence anyway.)
    if (handedToHost) return;
    const reason = `Shoal could not start the attempt: ${error instanceof Error ? error.message : String(error)}`;
    await deps.ops.complete(lease, { kind: 'scored', result: 'fail', exitCode: null, reason, receipt: { artifacts: [], score: null } }).catch(() => undefined);
  });
  return handle;
}

const FLUSH_MS = 25;

async function runAttempt(lease: Lease, deps: SupervisorDeps, stopped: () => StopReason | null, setKiller: (k: () => void) => void,
  handingToHost: () => void): Promise<void> {
  const { ops, driver } = deps;
  const spec = ops.taskSpec(lease.runId, lease.taskId);
  const metadata = spec.metadata as Record<string, unknown>;
  const outDir = artifactDir(deps.dataDir, lease.runId, lease.taskId, lease.attempt);
  fs.mkdirSync(outDir, { recursive: true });
  const logPath = path.join(outDir, 'agent.log');
  /** Set once the agent ended: its host could not confirm the work ended. */
  let workLeft = false;
  /** What the host may run for it though it was never seen to start (HostExit.unconfirmed). */
  let leftOn: HostRef | null = null;
  /** An outcome was recorded (and with it the attempt's reap marker settled). */
  let recorded = false;
  /** False when the lease was lost meanwhile (another attempt owns the task): nothing was written. */
  const complete = async (outcome: AttemptOutcome): Promise<boolean> => {
    try {
      await ops.complete(lease, workLeft ? { ...outcome, workLeft: true, ...(leftOn ? { leftOn } : {}) } : outcome);
      recorded = true;
      return true;
    } catch (e) {
      if (e instanceof LeaseLostError) return false;
      throw e;
    }
  };

  let workdir: Workdir;
  try {
    workdir = await prepareWorkdir({
      dataDir: deps.dataDir, workspace: deps.workspace, runId: lease.runId, taskId: lease.taskId, attempt: lease.attempt,
      resumeFromPartial: metadata.resume_from_partial === true,
    });
    if (workdir.resumedFrom) fs.writeFileSync(logPath, `shoal: resuming from the partial work on ${workdir.resumedFrom}\n`, { flag: 'a' });
  } catch (e) {
    fs.writeFileSync(logPath, `shoal: could not prepare the workdir: ${(e as Error).message}\n`);
    await complete({ kind: 'scored', result: 'fail', exitCode: null, reason: `workdir: ${(e as Error).message}`, receipt: { artifacts: [describeArtifact('log', logPath)], score: null } });
    return;
  }
  const early = stopped();
  if (early) {
    await complete(early.kind === 'cancel' ? { kind: 'cancelled', by: early.by, receipt: { artifacts: [], score: null } } : { kind: 'interrupted', signal: early.signal });
    return;
  }
  ops.markStarting(lease, workdir.dir, workdir.branch);

  // The agent's tool calls go through the gateway; their lifecycle joins the timeline through the
  // same fenced queue as the agent's own events (bound below, once the queue exists).
  let recordTool: (events: EventPayload[]) => void = () => {};
  const binding: AttemptBinding = {
    scope: { kind: 'task', runId: lease.runId, taskId: lease.taskId, attempt: lease.attempt, workdir: workdir.dir },
    metadata, env: {}, record: (events) => recordTool(events), ...(driver.kind !== 'local' ? { remoteFiles: true } : {}),
  };
  const agent = readAgentSpec(metadata);
  const agentSpec = typeof agent === 'string' ? { kind: 'shell' as const } : agent;
  const session = deps.gateway ? await deps.gateway.openAttempt(binding) : null;
  let launch: LaunchPlan;
  try {
    launch = planLaunch(agentSpec, {
      instructions: spec.instructions, workdir: workdir.dir, runId: lease.runId, taskId: lease.taskId, attempt: lease.attempt,
      artifactsDir: outDir, isGitRepo: workdir.repo !== null, taskEnv: (metadata.env as Record<string, string> | undefined) ?? {}, parentEnv: deps.env,
      ...(session ? { gateway: { url: session.url } } : {}),
      // Shoal's own Node runs the shell agent's gateway client only on this computer; elsewhere the
      // bash client does the same exchange.
      shellClient: driver.kind === 'local' ? 'node' : 'bash',
    });
  } catch (e) {
    session?.close();
    throw e;
  }
  binding.env = launch.env;

  const log = fs.createWriteStream(logPath, { flags: 'a' });
  const parser = parserFor(launch.stream);
  const abort = new AbortController();
  let leaseLost = false;
  let timedOut = false;
  const pending: EventPayload[] = [];
  let flushTimer: NodeJS.Timeout | null = null;
  let startedRef: HostRef | null = null;

  const kill = (): void => {
    session?.stopCommands();
    abort.abort();
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
    if (pending.length > 0) fenced(() => ops.progress(lease, pending.splice(0)));
  };
  const queueEvents = (events: EventPayload[]): void => {
    if (events.length === 0) return;
    pending.push(...events);
    flushTimer ??= setTimeout(flushEvents, FLUSH_MS);
  };
  recordTool = queueEvents;

  let resolveExit!: (exit: HostExit) => void;
  const exited = new Promise<HostExit>((resolve) => (resolveExit = resolve));
  let finished = false;
  const sink: AttemptSink = {
    started(ref) {
      if (finished) return;
      startedRef = ref;
      deps.onSpawned?.(lease, Date.now() - lease.grantedAt);
      fenced(() => ops.markRunningOn(lease, ref));
    },
    output(line) {
      if (finished) return;
      log.write(line + '\n');
      queueEvents(parser.line(line));
    },
    diagnostics(text) {
      if (!finished) log.write(text);
    },
    events(payloads) {
      if (!finished) queueEvents(payloads);
    },
    artifacts(names) {
      if (!finished && names.length > 0) log.write(`shoal: artifacts brought back: ${names.join(', ')}\n`);
    },
    workdirThere(dir, resolve) {
      session?.workdirThere(dir, resolve);
    },
    finish(exit) {
      if (finished) return;
      finished = true;
      resolveExit(exit);
    },
  };

  // The lease is renewed here, not by the driver: a host that stops reporting still holds its lease
  // only as long as this process is alive to renew it. This is the attempt's only timer: each tick
  // renews at once, then asks the driver for one usage sample and records the heartbeat with it (a
  // tick whose sample is still out is skipped, so a slow host never piles up requests).
  let sampling = false;
  const recordHeartbeat = (usage: HostUsage | null): void => {
    if (finished) return;
    const hb: EventPayload = { state: 'heartbeat' };
    if (usage) {
      hb.cpu_percent = usage.cpuPercent;
      hb.memory_mb = usage.memoryMb;
    }
    fenced(() => ops.progress(lease, [hb]));
    deps.onHeartbeat?.(lease, usage);
  };
  const heartbeat = setInterval(() => {
    fenced(() => ops.renew(lease, Date.now(), deps.leaseMs));
    if (sampling) return;
    if (!startedRef) return recordHeartbeat(null);
    sampling = true;
    void driver.usage(startedRef).catch(() => null).then((usage) => {
      sampling = false;
      recordHeartbeat(usage);
    });
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

  const plan: AttemptPlan = {
    workerName: deps.workerName ?? lease.workerId, runId: lease.runId, taskId: lease.taskId, attempt: lease.attempt, launch, workdir, artifactsDir: outDir, gatewayUrl: session?.url ?? null,
    killGraceMs: deps.killGraceMs, storeId: deps.storeId ?? null,
  };
  handingToHost();
  driver.start(plan, sink, abort.signal).catch((e: unknown) => {
    // The driver could not start the agent (it says why, naming the host).
    sink.diagnostics(`shoal: ${(e as Error).message}\n`);
    sink.finish({ code: null, signal: null, hostError: (e as Error).message });
  });
  const exit = await exited;
  // Whether what the host started may outlive the attempt: then its reap marker must stay (the
  // outcome says so), and the engine hears that a reap is owed.
  leftOn = startedRef === null ? exit.unconfirmed ?? null : null;
  workLeft = (startedRef !== null && (exit.lost === true || exit.workLeft === true)) || leftOn !== null;
  try {
    try {
      await wrapUp(exit);
    } catch (e) {
      // What the attempt left could not be collected (its log replaced by a link, a file Shoal
      // cannot read): the attempt fails now, saying why, instead of holding its task until the lease
      // lapses. A failure of the outcome's own write is not retried here.
      if (recorded || e instanceof LeaseLostError) throw e;
      await complete({ kind: 'scored', result: 'fail', exitCode: exit.code, reason: `Shoal could not collect what the attempt left: ${(e as Error).message}`, receipt: { artifacts: [], score: null } });
    }
  } finally {
    // Never seen to start, and no outcome recorded what may run there for it (the lease was lost
    // meanwhile, as when Shoal slept past it): the store keeps it all the same, or nothing would end
    // it once no worker on that host is probed again (or after a restart). A failed write (the
    // store closing) leaves it to the marker sweep of the host's next probe.
    if (leftOn && !recorded) {
      try {
        ops.workLeftOn?.(lease, leftOn);
      } catch {
        // see above
      }
    }
    if (workLeft) deps.onWorkLeft?.(lease);
    else if (startedRef && !recorded) {
      // Seen to end, but no outcome says so (the lease was lost): its marker goes all the same. A
      // failed write (the store closing) leaves it, and the next start's reap finds the work gone.
      try {
        ops.workEnded?.(lease);
      } catch {
        // see above
      }
    }
  }

  /** Everything after the agent's end: the outcome, recorded once. */
  async function wrapUp(exit: HostExit): Promise<void> {
    clearInterval(heartbeat);
    if (timeout) clearTimeout(timeout);
    session?.close();
    if (flushTimer) clearTimeout(flushTimer);
    flushEvents();
    const stop = stopped();
    // Reasons that go on the task and the worker say which worker, whatever the driver's wording.
    const named = (reason: string): string => withWorker(plan.workerName, reason);
    // A host failure before the agent started, on a host that does not answer a probe either: the
    // task never ran, so it waits for the host instead of spending a retry on it. (A host that does
    // answer had some other trouble starting it: that is an ordinary failed attempt.) The reason is
    // the step that failed, not the probe's wording: the probe only confirms the host is down.
    const unreachable = exit.hostError !== undefined && startedRef === null && driver.kind !== 'local' && !stop && !timedOut
      ? await driver.probe().then((p) => (p.ok ? null : named(exit.hostError!)), () => named(exit.hostError!))
      : null;
    // The host dropped or went silent: its worker takes nothing more until a probe finds it back.
    const hostDown = unreachable ?? ((exit.lost || exit.hostDown) && exit.hostError !== undefined ? named(exit.hostError)
      : exit.hostLost !== undefined ? named(exit.hostLost) : null);
    if (hostDown !== null) {
      const next = exit.lost ? 'the lease is left to lapse, then the task is reclaimed'
        : unreachable !== null ? 'the task waits for the host'
          : exit.resultsLost && !stop && !timedOut ? 'the attempt is interrupted without a result (retried per its policy); the worker waits for the host to answer again'
            : exit.hostLost !== undefined ? 'the result had all come back and is kept; the worker waits for the host to answer again, and its workdir there is removed then'
            : 'the worker waits for the host to answer again';
      log.write(`shoal: ${hostDown}; ${next}\n`);
      deps.onHostDown?.(lease, hostDown);
    }
    await new Promise<void>((resolve) => log.end(resolve));
    if (leaseLost) return;
    // Cut off mid-run: the agent may still be running there. Nothing is recorded and the lease is no
    // longer renewed, so the reaper reclaims the task at its deadline (and retries it per its policy).
    if (exit.lost && !stop) return;
    // Cut off while its results came back: the agent ended, but none of what it left is here, so no
    // verdict is made up from a part. As for one cut off while it ran, the attempt ends without a
    // result and counts against the task's retries (a stop or a timeout says what it was instead).
    if (exit.resultsLost && !stop && !timedOut) {
      await complete({ kind: 'interrupted', signal: 'host-lost' });
      return;
    }
    if (unreachable !== null) {
      await complete({ kind: 'unreachable', reason: unreachable });
      return;
    }

    const logRef = describeArtifact('log', logPath);
    if (stop?.kind === 'interrupt') {
      await complete({ kind: 'interrupted', signal: stop.signal });
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
    fenced(() => ops.progress(lease, artifacts.map((a) => ({ state: 'artifact', ...a }) as EventPayload)));
    if (leaseLost) return;

    const outcome = decideOutcome({ spec, metadata, exit, stop, timedOut, timeoutS, artifacts, workdir: workdir.dir, summary: parser.summary(), failure: parser.failure(), named });
    // What the agent spent goes on the receipt whatever the verdict: a failed attempt cost money too.
    const usage = parser.usage();
    if (usage && 'receipt' in outcome) outcome.receipt.usage = usage;
    await commitWorkdir(workdir, `shoal: ${lease.taskId} (attempt ${lease.attempt})`);
    if (!(await complete(outcome))) return;
    const passed = outcome.kind === 'scored' && outcome.result === 'pass';
    if (deps.worktreeCleanup === 'always' || (deps.worktreeCleanup === 'on_success' && passed)) await removeWorkdir(workdir).catch(() => undefined);
  }
}

function decideOutcome(a: {
  spec: FleetTaskSpec; metadata: Record<string, unknown>; exit: HostExit; stop: StopReason | null; timedOut: boolean; timeoutS: number | null;
  artifacts: FleetArtifactRef[]; workdir: string; summary: string | null | undefined; failure: string | undefined; named: (reason: string) => string;
}): AttemptOutcome {
  const { artifacts, exit } = a;
  if (a.stop?.kind === 'cancel') return { kind: 'cancelled', by: a.stop.by, receipt: { artifacts, score: null } };
  if (a.timedOut) return { kind: 'scored', result: 'timeout', exitCode: exit.code, reason: `timed out after ${a.timeoutS}s`, receipt: { artifacts, score: null } };
  if (exit.hostError !== undefined) return { kind: 'scored', result: 'fail', exitCode: null, reason: a.named(exit.hostError), receipt: { artifacts, score: null } };
  const code = exit.code ?? (exit.signal ? 128 : null);
  const verdict = score(a.spec.scorer ?? null, code, a.workdir, a.metadata);
  const missing = missingExpected(a.spec, artifacts);
  const summary = a.summary;
  if (verdict.result === 'review') return { kind: 'review', exitCode: code, ...(summary ? { summary } : {}), receipt: { artifacts, score: null } };
  const sc = verdict.score && missing.length > 0 ? { ...verdict.score, notes: `${verdict.score.notes ?? ''}; missing expected artifacts: ${missing.join(', ')}`.replace(/^; /, '') } : verdict.score;
  return {
    kind: 'scored', result: verdict.result, exitCode: code, ...(summary ? { summary } : {}),
    ...(verdict.result === 'fail' ? { reason: failedBecause(verdict.reason ?? 'failed', code, a.failure) } : {}),
    receipt: { artifacts, score: sc },
  };
}

/** A failed exit's reason says what the agent said went wrong, when it said so ("agent exited with
 *  code 2: Claude Code needs an Anthropic API key …"): the task list, `shoal run` and alerts show
 *  the cause, not only a number that sends the reader to the log. */
function failedBecause(reason: string, code: number | null, failure: string | undefined): string {
  return code !== 0 && failure ? `${reason}: ${failure}` : reason;
}
