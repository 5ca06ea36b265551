// A Docker container per attempt (dockerode; podman's Docker API works the same). On a local daemon
// (unix socket) the attempt's worktree and artifacts dir are bind-mounted at the same paths, so
// nothing is copied and every path in the agent's argv and environment stays valid. A remote daemon
// (tcp://) cannot see this computer's files: the worktree is copied in before the start and the
// result and artifacts copied out after the end (container-copy.ts), and local paths in the argv and
// environment become their container counterparts. The container shares its host's network
// (NetworkMode "host") so the tool gateway on 127.0.0.1 is reachable when that host is this one; a
// daemon reached over ssh:// gets the gateway reverse-forwarded to its own 127.0.0.1
// (ssh-docker-transport.ts), and a tcp:// daemon on another machine is refused (docker-client.ts).
// Containers carry labels naming run/task/attempt, are stopped (then killed) on cancel and timeout,
// and removed after. Never pulls: a missing image is an error naming it.
// A daemon that is alive but does not answer never holds an attempt: every call has a deadline
// (DockerDriverOptions.callMs), archive copies a stall deadline, and while the agent runs the daemon
// is pinged (daemon-liveness.ts). A daemon that drops or goes silent while the agent runs is treated
// as a dropped SSH connection is: the container may still run there, so the attempt is reported
// `lost` (its worker goes down, its lease is left to lapse, then the task is reclaimed) rather than
// failed and retried beside it; the container is stopped and removed once the daemon answers, and
// until then a probe does not call the daemon usable again (so nothing runs twice there). One that
// drops or goes silent after the agent ended (the result being copied out) fails the attempt and
// takes the worker down too, until a probe finds it answering. A create or start whose answer is
// lost (the daemon acted, the connection dropped or our deadline passed) leaves a container Shoal
// has no recorded id for: it is removed (found by its labels after a create) before the attempt's
// start is reported failed, never adopted; when the daemon cannot be asked, one whose id Shoal has
// is ended before a probe calls the daemon usable again, and one it has none for (a lost create) by
// the sweep of unrecorded containers.
import { PassThrough, type Readable } from 'node:stream';
import readline from 'node:readline';
import type Docker from 'dockerode';
import type { AttemptPlan, AttemptSink, HostCheck, HostDriver, HostProbe, HostUsage, UnrecordedSweep } from '../host-driver';
import type { HostRef } from '../host-ref';
import { parseDockerArgs, type ContainerExtras } from './docker-args';
import { CONTAINER_ARTIFACTS, CONTAINER_WORKDIR, copyIn, copyOut } from './container-copy';
import { execInContainer } from './container-exec';
import { parseResolved, resolveArgv } from '../../policy/real-path-there';
import { withChecksums } from './artifact-checksums';
import { callDeadline, describeDockerError, DOCKER_CALL_MS, dockerClient, isConnectionLost, isDeadline, pingDaemon, statusOf, unusableDaemon, type DaemonReach } from './docker-client';
import { waitForExit } from './container-wait';
import { daemonUrl } from './daemon-url';
import { withWorker } from '../../../../src-shared/protocol/worker-reason';
import { DaemonLiveness } from './daemon-liveness';
import { forwardGateway, type SshDockerKeys } from './ssh-docker-transport';
import { probeDaemon, removeLeftoverProbes } from './docker-probe';
import { attemptLabels, LABEL } from './docker-labels';
import { neverSent, removeLostCreate } from './lost-create';
import { LateCreates, lateLookupMs } from './late-creates';
import { CutOffWork } from '../cut-off-work';
import { endNow } from '../reap-orphan';
import { unrecordedContainers } from './unrecorded-containers';

/** Variables that describe this computer, not the container: the image's own values apply. */
const LOCAL_ONLY_ENV = new Set(['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR', 'SSH_AUTH_SOCK', 'ELECTRON_RUN_AS_NODE']);

export interface DockerDriverOptions {
  /** The deadline of each API call, of a pause in an archive copy, and of a liveness ping (default
   *  DOCKER_CALL_MS). Per driver, so a test can wait seconds for a hung daemon instead of a minute. */
  callMs?: number;
}

/** The liveness ping's period: often enough that a hung daemon is noticed within about
 *  1.5 deadlines, rarely enough to cost nothing (one ping per daemon, not per attempt). */
const LIVENESS_EVERY_MAX_MS = 10_000;

export class DockerDriver implements HostDriver {
  readonly kind = 'docker' as const;
  readonly label: string;
  private readonly docker: Docker;
  private readonly where: string;
  private readonly extras: ContainerExtras;
  /** The daemon is reached over the network: it cannot bind-mount this computer's directories. */
  private readonly remote: boolean;
  private readonly reach: DaemonReach;
  /** Set when this daemon cannot run attempts at all (said by probe and start alike). */
  private readonly unusable: string | null;
  private readonly callMs: number;
  private readonly liveness: DaemonLiveness;

  constructor(private readonly image: string, args: readonly string[], dockerHost: string | null, workerName: string, sshKeys: SshDockerKeys | null = null, opts: DockerDriverOptions = {}) {
    this.callMs = opts.callMs ?? DOCKER_CALL_MS;
    const c = dockerClient(dockerHost, sshKeys);
    this.docker = c.docker;
    this.where = c.where;
    this.reach = c.reach;
    this.unusable = unusableDaemon(c);
    try {
      this.extras = parseDockerArgs(args);
    } catch (e) {
      throw new Error(withWorker(workerName, (e as Error).message));
    }
    this.remote = c.reach.kind !== 'socket';
    this.label = `docker ${image} at ${this.where}`;
    this.liveness = new DaemonLiveness((signal) => pingDaemon(this.docker, signal), Math.min(LIVENESS_EVERY_MAX_MS, this.callMs / 2), this.callMs);
  }

  private deadline(ms = this.callMs): { abortSignal: AbortSignal } {
    return callDeadline(ms);
  }

  get sshFingerprint(): string | null {
    return this.reach.kind === 'ssh' ? this.reach.conn.lastFingerprint : null;
  }

  get sshKeyRefusal(): 'unknown' | 'changed' | null {
    return this.reach.kind === 'ssh' ? this.reach.conn.lastKeyRefusal : null;
  }

  private fail(e: unknown): Error {
    const err = e as { statusCode?: number };
    if (err.statusCode === 404 && /image/i.test(String((e as Error).message))) {
      return new Error(`image ${this.image} not found at ${this.where} (Shoal never pulls: build or load it there first)`);
    }
    return new Error(describeDockerError(e, this.where));
  }

  /** An attempt's step failed: a daemon that did not answer in time, or whose connection dropped,
   *  is named with the worker, the cause and the step; anything else as fail() says it. */
  private failWhile(e: unknown, plan: AttemptPlan, doing: string): Error {
    if (isDeadline(e)) return new Error(withWorker(plan.workerName, describeDockerError(e, this.where, { ms: this.callMs, doing })));
    // A dropped connection is not the daemon's answer either: say where and at which step.
    if (isConnectionLost(e)) return new Error(withWorker(plan.workerName, `${this.fail(e).message} while ${doing}`));
    return this.fail(e);
  }

  /** The daemon answers and can run attempts, and no container it ran for an attempt that was cut
   *  off from this Shoal is still there: those are ended first (a worker back in service would
   *  otherwise run the reclaimed task beside its first attempt, left running). Throwaway containers
   *  that probes could not remove (a hung daemon) go then too. */
  async probe(): Promise<HostProbe> {
    const probe = await probeDaemon({
      docker: this.docker, image: this.image, where: this.where, label: this.label, unusable: this.unusable, callMs: this.callMs, fail: (e) => this.fail(e),
      leftBehind: () => (this.probeLeftovers = true),
    });
    if (!probe.ok) return probe;
    const left = await this.cutOff.endAll();
    if (left) return { ...probe, ok: false, error: left };
    if (this.probeLeftovers) {
      // Not the probe's answer: a leftover runs nothing, and is looked for again next time.
      this.probeLeftovers = false;
      await removeLeftoverProbes(this.docker, this.callMs).catch(() => (this.probeLeftovers = true));
    }
    return probe;
  }

  /** Probe containers may be left on the daemon: one of this driver's probes could not remove its
   *  own, or (at first) an earlier Shoal's might have. */
  private probeLeftovers = true;

  async start(plan: AttemptPlan, sink: AttemptSink, signal: AbortSignal): Promise<HostRef> {
    if (this.unusable) throw new Error(this.unusable);
    const swaps: Array<[string, string]> = this.remote ? [[plan.artifactsDir, CONTAINER_ARTIFACTS], [plan.workdir.dir, CONTAINER_WORKDIR]] : [];
    if (this.reach.kind === 'ssh' && plan.gatewayUrl) {
      try {
        swaps.push(await forwardGateway(this.reach.conn, plan.gatewayUrl));
      } catch (e) {
        throw this.fail(e);
      }
    }
    const swap = (v: string): string => swaps.reduce((acc, [from, to]) => acc.split(from).join(to), v);
    const env = Object.entries(plan.launch.env).filter(([k]) => !LOCAL_ONLY_ENV.has(k)).map(([k, v]) => `${k}=${swap(v)}`);
    const argv = [plan.launch.command, ...plan.launch.args].map(swap);
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({
        Image: this.image,
        // Copied out later, the artifacts are checked against sums the container takes at its end.
        Cmd: this.remote ? withChecksums(argv) : argv,
        Env: [...this.extras.env, ...env],
        WorkingDir: this.remote ? CONTAINER_WORKDIR : plan.workdir.dir,
        ...(this.extras.user ? { User: this.extras.user } : {}),
        // A container whose id Shoal never learned (or stored) is found by these (lostCreate,
        // endUnrecorded).
        Labels: attemptLabels(plan),
        AttachStdout: true, AttachStderr: true, Tty: false, OpenStdin: false,
        HostConfig: {
          NetworkMode: 'host',
          // An init reaps the agent's children and forwards the stop signal to the whole tree.
          Init: true,
          Binds: [...(this.remote ? [] : [`${plan.workdir.dir}:${plan.workdir.dir}`, `${plan.artifactsDir}:${plan.artifactsDir}`]), ...this.extras.binds],
        },
        ...this.deadline(),
      });
    } catch (e) {
      const error = this.failWhile(e, plan, 'creating the container');
      await this.lostCreate(e, plan, sink);
      throw error;
    }
    const ref: HostRef = { kind: 'docker', containerId: container.id, dockerHost: this.where };
    if (this.remote) {
      // The agent's calls name paths in the copy, and symlinks in it are followed there (an exec in
      // the running container; the agent waits for its answer).
      sink.workdirThere?.(CONTAINER_WORKDIR, async (paths) => parseResolved(await execInContainer(this.docker, container, resolveArgv(paths), this.callMs), paths.length));
      try {
        await copyIn(container, plan.workdir, this.callMs);
      } catch (e) {
        await this.discardOrSay(ref, isDeadline(e), plan, sink);
        throw isDeadline(e)
          ? this.failWhile(e, plan, 'copying the worktree into the container')
          : new Error(`${this.label}: copying the worktree into the container failed: ${this.fail(e).message}`);
      }
    }
    const out = new PassThrough();
    const err = new PassThrough();
    let stream: NodeJS.ReadableStream | undefined;
    let doing = "attaching to the container's output";
    try {
      stream = await this.attach(container);
      this.docker.modem.demuxStream(stream, out, err);
      doing = 'starting the container';
      await container.start(this.deadline());
    } catch (e) {
      (stream as Readable | undefined)?.destroy();
      // The daemon may have started it before its answer was lost: it is never adopted (its output
      // may be gone with the connection, and no ref of it is recorded), but stopped and removed
      // now, or, when the daemon does not answer, ended before a probe calls it usable again.
      const error = this.failWhile(e, plan, doing);
      await this.discardOrSay(ref, isDeadline(e), plan, sink);
      throw error;
    }
    const attached = stream;
    sink.started(ref);
    readline.createInterface({ input: out }).on('line', (line) => sink.output(line));
    err.on('data', (d: Buffer) => sink.diagnostics(d.toString()));

    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      // SIGTERM, then SIGKILL once the grace is over (the daemon does both).
      const t = Math.max(1, Math.ceil(plan.killGraceMs / 1000));
      void container.stop({ t, ...this.deadline(t * 1000 + this.callMs) }).catch(() => container.kill(this.deadline()).catch(() => undefined));
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });

    void (async () => {
      let code: number | null = null;
      let hostError: string | undefined;
      let lost = false;
      let silent = false;
      /** The connection dropped after the agent ended (copying the result out). */
      let dropped = false;
      // No deadline on this wait: the agent may rightly run for hours, and the supervisor's timeout
      // stops it. A daemon that stops answering meanwhile is found by the liveness pings instead.
      const waiting = new AbortController();
      const unwatch = this.liveness.watch((cause) => waiting.abort(cause));
      try {
        code = await waitForExit(this.docker, container.id, waiting.signal);
      } catch (e) {
        // The daemon went away (its API stopped, the network dropped) or hangs while the agent
        // ran: the container may still run there.
        lost = statusOf(e) === undefined;
        silent = isDeadline(e);
        hostError = silent ? this.failWhile(e, plan, 'the agent ran').message : `${this.fail(e).message} while the agent ran`;
      } finally {
        unwatch();
      }
      signal.removeEventListener('abort', stop);
      if (lost) (attached as Readable).destroy(); // a hung daemon would never end it
      await new Promise<void>((resolve) => {
        if ((attached as { readableEnded?: boolean; destroyed?: boolean }).readableEnded || (attached as Readable).destroyed) return resolve();
        attached.once('end', resolve);
        attached.once('close', resolve);
        setTimeout(resolve, 2_000).unref(); // a daemon that never ends the attach stream
      });
      out.end();
      err.end();
      if (this.remote && !hostError) {
        try {
          const back = await copyOut(container, plan.workdir.dir, plan.artifactsDir, this.callMs);
          if (!back.checked && back.names.length > 0) sink.diagnostics('shoal: artifacts not checked: the image has no sha256sum, or the container ended before taking the sums\n');
          sink.artifacts(back.names);
        } catch (e) {
          silent = isDeadline(e);
          dropped = isConnectionLost(e);
          hostError = silent
            ? this.failWhile(e, plan, 'copying the result out of the container').message
            : dropped
              ? withWorker(plan.workerName, `${this.fail(e).message} while copying the result out of the container`)
              : `${this.label}: copying the result out of the container failed: ${this.fail(e).message}`;
        }
      }
      let removed = false;
      if (lost) this.reapWhenBack(ref);
      else removed = await this.discard(ref, silent || dropped);
      // Silent or dropped while the result was copied out: the agent has ended, so the attempt fails
      // now, but the daemon is not asked for another one until a probe finds it answering. A
      // container not seen removed may still run (or at least still exist) there: its reap is owed.
      sink.finish({ code, signal: null, ...(hostError ? { hostError } : {}), ...(lost ? { lost: true } : silent || dropped ? { hostDown: true } : {}), ...(removed ? {} : { workLeft: true }) });
    })();
    return ref;
  }

  /** After a create that got no answer from the daemon: the container it may have made all the
   *  same is looked up by the attempt's labels and removed before the attempt's start is reported
   *  failed (lost-create.ts). A daemon that cannot be asked leaves it to the sweep of unrecorded
   *  containers, which the attempt's log says. An answer (an HTTP error) means nothing was made. */
  private async lostCreate(e: unknown, plan: AttemptPlan, sink: AttemptSink): Promise<void> {
    if (statusOf(e) !== undefined || neverSent(e)) return;
    const say = (text: string): void => sink.diagnostics(`shoal: ${withWorker(plan.workerName, text)}\n`);
    const lookingAgain = `Shoal looks again over the next ${Math.round(lateLookupMs(this.callMs) / 1000)} s and removes one that appears`;
    try {
      const ids = await removeLostCreate(this.docker, plan, this.callMs);
      if (ids.length > 0) say(`removed the container the daemon made for this attempt before its answer was lost (${ids.map((id) => id.slice(0, 12)).join(', ')})`);
      else {
        // Nothing yet: the daemon may still be making it. Looked for again, and removed once there.
        void this.lateCreates.watch(plan);
        say(`the daemon has made no container for this attempt so far; ${lookingAgain}`);
      }
    } catch (err) {
      // The daemon may answer again soon, even if no worker there is probed again (its run ended).
      void this.lateCreates.watch(plan);
      say(`could not look for (or remove) a container the daemon may have made for this attempt: ${describeDockerError(err, this.where, { ms: this.callMs, doing: 'looking for it' })}; `
        + (plan.storeId ? 'it is left to the sweep of containers Shoal did not record, made when the worker is next called usable (at Shoal\'s start, or once its daemon answers after being down)' : `it carries no store label, so no sweep finds it: remove the container labelled ${LABEL.run}=${plan.runId}, ${LABEL.task}=${plan.taskId}, ${LABEL.attempt}=${plan.attempt} by hand if it is still there after that`)
        + `; meanwhile ${lookingAgain}`);
    }
  }

  /** The container's own stats (one sample, not a stream). */
  async usage(ref: HostRef): Promise<HostUsage | null> {
    if (ref.kind !== 'docker') return null;
    return this.docker.getContainer(ref.containerId).stats({ stream: false, ...this.deadline() }).then((s) => usageOf(s), () => null);
  }

  /** The idle daemon's sign of life is the ping the liveness loop sends while attempts wait (one
   *  request, the same deadline): any HTTP answer is life; no answer in time, or no connection, is
   *  silence. No load figures: without a container there are no stats to sample. */
  async alive(): Promise<HostCheck> {
    if (this.unusable) return { kind: 'silent', cause: this.unusable };
    try {
      await pingDaemon(this.docker, AbortSignal.timeout(this.callMs));
    } catch (e) {
      if (statusOf(e) === undefined) return { kind: 'silent', cause: describeDockerError(e, this.where, { ms: this.callMs, doing: 'being pinged' }) };
    }
    return { kind: 'alive', usage: null };
  }

  /** The attach request with a deadline on its setup only: once the stream is there it lasts as
   *  long as the agent runs, so the timer is cleared rather than left to cut it. */
  private async attach(container: Docker.Container): Promise<NodeJS.ReadableStream> {
    const setup = new AbortController();
    const timer = setTimeout(() => setup.abort(new DOMException('attach', 'TimeoutError')), this.callMs);
    try {
      return await container.attach({ stream: true, stdout: true, stderr: true, abortSignal: setup.signal });
    } catch (e) {
      throw setup.signal.aborted ? setup.signal.reason : e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Removes a container the attempt is done with; false when it is left to be ended in the
   *  background. After a daemon just failed to answer (or dropped the connection), waiting out
   *  another deadline here would only delay the attempt's end: it is ended once the daemon answers
   *  again. */
  private async discard(ref: HostRef, daemonAway: boolean): Promise<boolean> {
    if (ref.kind !== 'docker') return true;
    if (daemonAway) {
      this.reapWhenBack(ref);
      return false;
    }
    return this.docker.getContainer(ref.containerId).remove({ force: true, ...this.deadline() }).then(() => true, (e: unknown) => {
      if (statusOf(e) === 404) return true; // already gone
      this.reapWhenBack(ref);
      return false;
    });
  }

  /** discard() for an attempt that has not started: one left to be ended later is said in its log
   *  (its failure is recorded before that happens). */
  private async discardOrSay(ref: HostRef, daemonAway: boolean, plan: AttemptPlan, sink: AttemptSink): Promise<void> {
    if (ref.kind !== 'docker' || (await this.discard(ref, daemonAway))) return;
    sink.diagnostics(`shoal: ${withWorker(plan.workerName, `container ${ref.containerId.slice(0, 12)} not removed yet: it is stopped and removed once Docker at ${this.where} answers again, before the worker takes work there`)}\n`);
  }

  /** Keeps trying to end work cut off from this Shoal (a dropped connection, a silent daemon) until
   *  its daemon answers, and the probe ends it before it says yes (see CutOffWork). */
  private reapWhenBack(ref: HostRef): void {
    if (ref.kind === 'docker') this.cutOff.add(ref);
  }

  private readonly cutOff = new CutOffWork(this);
  private lateCreatesMade: LateCreates | null = null;
  private get lateCreates(): LateCreates {
    return (this.lateCreatesMade ??= new LateCreates(this.docker, this.callMs));
  }

  async settled(): Promise<void> {
    await Promise.all([this.cutOff.idle(), this.lateCreatesMade?.idle()]);
  }

  async cancel(ref: HostRef): Promise<void> {
    await this.reap(ref);
  }

  /** The daemon the container was started on: refs record it resolved (daemon-url.ts); an older
   *  ref's null meant DOCKER_HOST or the default socket, read as it is now. */
  reaches(ref: HostRef): boolean {
    return ref.kind === 'docker' && daemonUrl(ref.dockerHost) === this.where;
  }

  async reap(ref: HostRef): Promise<'ended' | 'gone'> {
    if (ref.kind !== 'docker') return 'gone';
    const c = this.docker.getContainer(ref.containerId);
    try {
      const info = await c.inspect(this.deadline());
      if (info.State.Running) await c.kill(this.deadline()).catch(() => undefined);
      // A daemon that answers with an error has done what it will; one that does not answer is
      // asked again (reapWhenBack), so that failure is not swallowed.
      await c.remove({ force: true, ...this.deadline() }).catch((e: unknown) => {
        if (statusOf(e) === undefined) throw e;
      });
      return info.State.Running ? 'ended' : 'gone';
    } catch (e) {
      if (statusOf(e) === 404) return 'gone';
      throw this.fail(e);
    }
  }

  /** Ends and removes the sweep's store's attempt containers whose attempts do not run now: ones
   *  started while Shoal crashed or lost the daemon before it stored their ids (see
   *  unrecorded-containers.ts). A daemon that cannot be asked keeps the host from being called
   *  usable, as work cut off from Shoal does. */
  async endUnrecorded(sweep: UnrecordedSweep): Promise<string | null> {
    if (this.unusable) return null;
    let ids: string[];
    try {
      ids = await unrecordedContainers(this.docker, sweep, this.callMs);
    } catch (e) {
      return `${this.label}: could not look for containers of attempts Shoal did not record: ${this.fail(e).message}`;
    }
    for (const containerId of ids) {
      const notYet = await endNow(this, { kind: 'docker', containerId, dockerHost: this.where }, 'left by an attempt whose container Shoal never recorded');
      if (notYet) return notYet;
    }
    return null;
  }

  /** Containers of this Shoal's attempts (by label), e.g. to find leftovers. */
  async attemptContainers(runId?: string): Promise<string[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [runId ? `${LABEL.run}=${runId}` : LABEL.run] }, ...this.deadline() });
    return list.map((c) => c.Id);
  }

  async close(): Promise<void> {
    this.cutOff.cancelAll();
    this.lateCreatesMade?.close();
    if (this.reach.kind === 'ssh') this.reach.conn.close();
  }
}

/** podman and Docker fill stats differently (and not at all for a container that just ended). */
function usageOf(s: Partial<Docker.ContainerStats> | undefined): HostUsage | null {
  const now = s?.cpu_stats;
  if (!now?.cpu_usage) return null;
  const before = s?.precpu_stats;
  const cpuDelta = now.cpu_usage.total_usage - (before?.cpu_usage?.total_usage ?? 0);
  const sysDelta = (now.system_cpu_usage ?? 0) - (before?.system_cpu_usage ?? 0);
  const cpu = sysDelta > 0 ? (cpuDelta / sysDelta) * (now.online_cpus ?? 1) * 100 : 0;
  return { cpuPercent: Math.max(0, Math.round(cpu * 10) / 10), memoryMb: Math.round((s?.memory_stats?.usage ?? 0) / 2 ** 20) };
}
