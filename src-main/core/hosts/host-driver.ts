// The seam between the attempt supervisor (leases, events, timeout, outcome) and the place an
// attempt runs. A driver knows one kind of host: how to probe it, start an agent there and stream
// its output back, stop it, and end what a crashed Shoal left behind. It reports only through the
// AttemptSink; it never touches the store, so the engine cannot tell where an attempt ran.
import type { LaunchPlan } from '../fleet/agents/launch';
import type { EventPayload } from '../fleet/event-log';
import type { Workdir } from '../fleet/workspace';
import type { HostKind, HostRef } from './host-ref';
import type { AgentCliFound } from './probe-commands';
import type { ResolvePaths } from '../policy/real-path-there';

/** Everything a driver needs to run one attempt. Paths are local; a remote driver maps them. */
export interface AttemptPlan {
  /** The worker's name, for errors that must say where ("worker gpu-box: …"): one driver may
   *  serve several workers on the same host. */
  workerName: string;
  runId: string;
  taskId: string;
  attempt: number;
  /** The agent as planned for `workdir.dir` and `artifactsDir` (command, argv, environment). */
  launch: LaunchPlan;
  /** The attempt's local worktree at the task's base commit (or a scratch directory). A remote
   *  driver moves that commit with git and brings the agent's changes back into this worktree. */
  workdir: Workdir;
  /** Files the agent writes to $SHOAL_ARTIFACTS_DIR must end up here before finish(). */
  artifactsDir: string;
  /** The attempt's tool gateway (127.0.0.1): a remote driver makes it reachable from there. */
  gatewayUrl: string | null;
  /** Between the polite stop and the hard kill. */
  killGraceMs: number;
  /** The store whose attempt this is (store-identity.ts): a remote driver marks the work with it (a
   *  container label, an SSH pgid marker) so that a sweep finds it even if its ref was never stored.
   *  Null: the work is not marked (an attempt no store sweeps for, e.g. a benchmark's). */
  storeId: string | null;
}

/** What a sweep for work no stored ref names (see HostDriver.endUnrecorded) may end: the marked work
 *  of this store only, and never an attempt that runs right now. */
export interface UnrecordedSweep {
  storeId: string;
  /** True for an attempt whose work must be left alone: it runs in this process, or holds its lease
   *  in another live process on the same store. */
  spare(runId: string, taskId: string, attempt: number): boolean;
  /** Between the polite stop and the hard kill, as a cancel gives. */
  killGraceMs: number;
}

/** What a heartbeat reports about the work behind a ref: the agent's process tree on this computer,
 *  the container's stats, or the remote host's load (CPU busy derived from the load average, memory
 *  in use) for an SSH host, where the load of the machine matters more than one process group. */
export interface HostUsage { cpuPercent: number; memoryMb: number }

/** One sign-of-life check of an idle host (HostDriver.alive): it answered (with its load when it gave
 *  one); it did not (`cause` names the host and why); or it could not be asked just now (every SSH
 *  session busy), which says nothing either way. */
export type HostCheck =
  | { kind: 'alive'; usage: HostUsage | null }
  | { kind: 'silent'; cause: string }
  | { kind: 'skipped' };

/** How the agent ended. `hostError` set: the host failed it (could not start, connection lost);
 *  the reason names the host and the cause. */
export interface HostExit {
  code: number | null;
  signal: string | null;
  hostError?: string;
  /** The connection to the host dropped (or the host stopped answering) while the agent ran there:
   *  it may still be running, so the attempt is neither failed nor retried now; its lease lapses
   *  and the reaper reclaims it. Its worker is down until a probe finds the host back. */
  lost?: boolean;
  /** The host stopped answering after the agent ended (bringing the result back), or dropped before
   *  the driver learned whether the agent started (it may run there, unrecorded): the attempt fails
   *  with `hostError` (unless `resultsLost` says none of the result is here), and its worker is down
   *  until a probe finds the host back (and, before that, ends what was left there). */
  hostDown?: boolean;
  /** The connection dropped (or the host stopped answering) after the agent ended, while its
   *  results (changes, artifacts) were brought back: nothing of them
   *  was applied here, and no verdict is made up from a part, so the attempt ends interrupted by the
   *  host's loss and is retried per its policy, as one cut off while it ran. Comes with `hostDown`. */
  resultsLost?: boolean;
  /** The host stopped answering only as the attempt's workdir there was removed, after every result
   *  had come back and been checked: the attempt is judged as usual (its result is here; running
   *  the agent again would only cost), and its worker is down with this reason until a probe finds
   *  the host back and removes what was left. Comes with `workLeft`. */
  hostLost?: string;
  /** The host could not confirm the work ended (a daemon that did not answer, a container not
   *  removed): the driver keeps trying while this Shoal runs, and the attempt keeps its reap marker
   *  so a later start tries too. (`lost` implies it.) */
  workLeft?: boolean;
  /** The connection dropped before the driver learned whether the agent started: what may run there
   *  for it all the same (an SSH group known only by its marker). The attempt keeps it as its ref,
   *  with its reap owed, so it is ended once the host answers, also after its run ended or a restart. */
  unconfirmed?: HostRef;
}

/** The only way back from a driver. Calls after finish() are ignored. */
export interface AttemptSink {
  /** The agent exists: its ref is recorded durably before anything else happens. */
  started(ref: HostRef): void;
  /** One line of the agent's stdout (parsed into timeline events by the supervisor). */
  output(line: string): void;
  /** stderr and the driver's own notes: they go to the attempt's log only. */
  diagnostics(text: string): void;
  events(payloads: EventPayload[]): void;
  /** Files now present in plan.artifactsDir (checked against the remote's checksums when remote). */
  artifacts(names: string[]): void;
  /** The agent ended and its results (changes, artifacts) are back. */
  finish(exit: HostExit): void;
  /** Where the workdir is on the host, when the agent sees it under another path than
   *  plan.workdir.dir: said before the agent starts, so its tool calls are judged by paths there,
   *  and by where those paths really land there (`resolve` follows symlinks on the host). */
  workdirThere?(dir: string, resolve: ResolvePaths): void;
}

export interface HostProbe {
  ok: boolean;
  /** Names the host and the cause when not ok. */
  error?: string;
  git: string | null;
  /** The coding-agent CLIs found there, with their versions. */
  agents: AgentCliFound[];
  cpus: number | null;
  memoryMb: number | null;
  os: string | null;
}

export interface HostDriver {
  readonly kind: HostKind;
  /** A label for errors and logs, e.g. "ssh root@127.0.0.1:2222". */
  readonly label: string;
  /** The SSH host key its connection was last shown (an SSH host's, or the host of a Docker daemon
   *  reached over ssh://), for "Test connection" to pin with the worker; absent without SSH. */
  readonly sshFingerprint?: string | null;
  /** Why that key was refused, if it was: 'unknown' is a key not pinned yet, which a person may
   *  trust after checking it; 'changed' is never accepted. */
  readonly sshKeyRefusal?: 'unknown' | 'changed' | null;
  probe(): Promise<HostProbe>;
  /** Starts the agent; resolves with its ref once started() was called. Rejects when it could not
   *  start (unreachable host, missing image, ...): nothing runs then. Aborting `signal` stops it
   *  (polite stop, then kill after the grace); finish() is still called. */
  start(plan: AttemptPlan, sink: AttemptSink, signal: AbortSignal): Promise<HostRef>;
  /** One usage sample of the work behind a ref, for the supervisor's heartbeat (which owns the only
   *  timer); null when the host has no figures at this moment. Never throws. */
  usage(ref: HostRef): Promise<HostUsage | null>;
  /** A cheap sign of life from the host while no attempt runs there (the engine asks once per host
   *  per check interval, and calls an answer the worker's heartbeat): it reuses what attempts already
   *  use — the SSH load sample over the host's connection, the Docker daemon's ping — never a new
   *  connection of its own or a probe. Never throws. Absent: the host gives none (no heartbeat
   *  while idle). */
  alive?(): Promise<HostCheck>;
  /** Ends the work behind a ref now (a lost lease). */
  cancel(ref: HostRef): Promise<void>;
  /** After a crash: ends what the ref names if it still runs. 'ended' when something was stopped. */
  reap(ref: HostRef): Promise<'ended' | 'gone'>;
  /** Ends the marked work of the sweep's store on this host that no running attempt owns: work its
   *  host started while Shoal crashed or lost the connection before it stored the ref (so neither
   *  recovery nor an owed reap knows it). Null once none is left, else why not (naming the host and
   *  the cause). Absent on kinds that do not mark their work (local, a remote agent's). */
  endUnrecorded?(sweep: UnrecordedSweep): Promise<string | null>;
  /** Resolves once the driver has no work of its own under way (agents cut off by a dropped
   *  connection that it keeps trying to end): its pool closes an unused driver only then. */
  settled?(): Promise<void>;
  /** Whether this driver's host is the one the ref names (absent: any of its kind is). A driver of
   *  another host would find nothing there and call the work gone while it still runs. */
  reaches?(ref: HostRef): boolean;
  /** Releases connections; running attempts are not this call's business. */
  close(): Promise<void>;
}

/** How long an agent's output may stay open once the agent has exited: long enough to read what is
 *  still on its way, never long enough for a process that left the agent's group holding it to keep
 *  the attempt open (past its timeout: that process is outside the group the timeout signals). */
export const OUTPUT_DRAIN_MS = 2_000;

/** How long after the agent exited its output must have closed before Shoal looks for a job of it
 *  that left its group holding that output (a scan of every process: not on every attempt's path). */
export const LEFT_GROUP_CHECK_MS = 100;
