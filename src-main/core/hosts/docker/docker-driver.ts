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
import { PassThrough } from 'node:stream';
import readline from 'node:readline';
import type Docker from 'dockerode';
import type { AttemptPlan, AttemptSink, HostDriver, HostProbe, HostUsage } from '../host-driver';
import type { HostRef } from '../host-ref';
import { parseDockerArgs, type ContainerExtras } from './docker-args';
import { CONTAINER_ARTIFACTS, CONTAINER_WORKDIR, copyIn, copyOut } from './container-copy';
import { withChecksums } from './artifact-checksums';
import { callDeadline, describeDockerError, DOCKER_CALL_MS, dockerClient, unusableDaemon, type DaemonReach } from './docker-client';
import { waitForExit } from './container-wait';
import { forwardGateway, type SshDockerKeys } from './ssh-docker-transport';
import { agentProbeLine, parseAgentProbe } from '../probe-commands';

/** Variables that describe this computer, not the container: the image's own values apply. */
const LOCAL_ONLY_ENV = new Set(['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR', 'SSH_AUTH_SOCK', 'ELECTRON_RUN_AS_NODE']);

export const LABEL = { run: 'shoal.run', task: 'shoal.task', attempt: 'shoal.attempt' } as const;

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

  constructor(private readonly image: string, args: readonly string[], private readonly dockerHost: string | null, workerName: string, sshKeys: SshDockerKeys | null = null) {
    const c = dockerClient(dockerHost, sshKeys);
    this.docker = c.docker;
    this.where = c.where;
    this.reach = c.reach;
    this.unusable = unusableDaemon(c);
    this.extras = parseDockerArgs(args, workerName);
    this.remote = c.reach.kind !== 'socket';
    this.label = `docker ${image} at ${this.where}`;
  }

  get sshFingerprint(): string | null {
    return this.reach.kind === 'ssh' ? this.reach.conn.lastFingerprint : null;
  }

  private fail(e: unknown): Error {
    const err = e as { statusCode?: number };
    if (err.statusCode === 404 && /image/i.test(String((e as Error).message))) {
      return new Error(`image ${this.image} not found at ${this.where} (Shoal never pulls: build or load it there first)`);
    }
    return new Error(describeDockerError(e, this.where));
  }

  /** The probe's calls as one, under one deadline (dockerode's ping and info take no abort signal):
   *  a daemon that stops answering is reported, not waited for. */
  async probe(): Promise<HostProbe> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<HostProbe>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, error: describeDockerError(new DOMException('late', 'TimeoutError'), this.where), git: null, agents: [], cpus: null, memoryMb: null, os: null }), DOCKER_CALL_MS);
    });
    try {
      return await Promise.race([this.probeNow(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async probeNow(): Promise<HostProbe> {
    const none = { git: null, agents: [], cpus: null, memoryMb: null, os: null };
    if (this.unusable) return { ok: false, error: this.unusable, ...none };
    try {
      await this.docker.ping();
      const info = (await this.docker.info()) as { NCPU?: number; MemTotal?: number; OperatingSystem?: string };
      await this.docker.getImage(this.image).inspect().catch((e: unknown) => {
        throw (e as { statusCode?: number }).statusCode === 404 ? new Error(`image ${this.image} not found at ${this.where} (Shoal never pulls: build or load it there first)`) : e;
      });
      const out = await this.runOnce(['sh', '-c', `git --version 2>/dev/null; ${agentProbeLine()}`]);
      const git = /git version (\S+)/.exec(out)?.[1] ?? null;
      const agents = parseAgentProbe(out);
      const probe = { git, agents, cpus: info.NCPU ?? null, memoryMb: info.MemTotal ? Math.round(info.MemTotal / 2 ** 20) : null, os: info.OperatingSystem ?? null };
      if (!git) return { ...probe, ok: false, error: `${this.label}: git not found in the image` };
      return { ...probe, ok: true };
    } catch (e) {
      return { ok: false, error: e instanceof Error && e.message.startsWith('image ') ? e.message : this.fail(e).message, ...none };
    }
  }

  /** Runs a throwaway container to its end and returns its output (probe only). */
  private async runOnce(cmd: string[]): Promise<string> {
    const c = await this.docker.createContainer({ Image: this.image, Cmd: cmd, HostConfig: { NetworkMode: 'host' }, ...callDeadline() });
    try {
      await c.start(callDeadline());
      await waitForExit(this.docker, c.id, AbortSignal.timeout(DOCKER_CALL_MS));
      const logs = await c.logs({ stdout: true, stderr: true, ...callDeadline() });
      return demuxBuffer(logs);
    } finally {
      await c.remove({ force: true, ...callDeadline() }).catch(() => undefined);
    }
  }

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
        Labels: { [LABEL.run]: plan.runId, [LABEL.task]: plan.taskId, [LABEL.attempt]: String(plan.attempt) },
        AttachStdout: true, AttachStderr: true, Tty: false, OpenStdin: false,
        HostConfig: {
          NetworkMode: 'host',
          // An init reaps the agent's children and forwards the stop signal to the whole tree.
          Init: true,
          Binds: [...(this.remote ? [] : [`${plan.workdir.dir}:${plan.workdir.dir}`, `${plan.artifactsDir}:${plan.artifactsDir}`]), ...this.extras.binds],
        },
        ...callDeadline(),
      });
    } catch (e) {
      throw this.fail(e);
    }
    if (this.remote) {
      try {
        await copyIn(container, plan.workdir);
      } catch (e) {
        await container.remove({ force: true }).catch(() => undefined);
        throw new Error(`${this.label}: copying the worktree into the container failed: ${this.fail(e).message}`);
      }
    }
    const ref: HostRef = { kind: 'docker', containerId: container.id, dockerHost: this.dockerHost };
    const out = new PassThrough();
    const err = new PassThrough();
    let stream: NodeJS.ReadableStream;
    try {
      stream = await container.attach({ stream: true, stdout: true, stderr: true });
      this.docker.modem.demuxStream(stream, out, err);
      await container.start(callDeadline());
    } catch (e) {
      // The daemon may have started it before it went away: if it cannot be removed now, it is
      // ended once the daemon answers again.
      await container.remove({ force: true, ...callDeadline() }).catch(() => this.reapWhenBack(ref));
      throw this.fail(e);
    }
    sink.started(ref);
    readline.createInterface({ input: out }).on('line', (line) => sink.output(line));
    err.on('data', (d: Buffer) => sink.diagnostics(d.toString()));

    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      // SIGTERM, then SIGKILL once the grace is over (the daemon does both).
      const t = Math.max(1, Math.ceil(plan.killGraceMs / 1000));
      void container.stop({ t, ...callDeadline(t * 1000 + DOCKER_CALL_MS) }).catch(() => container.kill(callDeadline()).catch(() => undefined));
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });

    void (async () => {
      let code: number | null = null;
      let hostError: string | undefined;
      let lost = false;
      try {
        code = await waitForExit(this.docker, container.id);
      } catch (e) {
        // The daemon went away while the agent ran (its API stopped, the network dropped): the
        // container may still run there. No deadline on this wait: the agent may rightly run for
        // hours, and the supervisor's timeout stops it.
        lost = (e as { statusCode?: number }).statusCode === undefined;
        hostError = `${this.fail(e).message} while the agent ran`;
      }
      signal.removeEventListener('abort', stop);
      await new Promise<void>((resolve) => {
        if ((stream as { readableEnded?: boolean }).readableEnded) return resolve();
        stream.once('end', resolve);
        stream.once('close', resolve);
        setTimeout(resolve, 2_000).unref(); // a daemon that never ends the attach stream
      });
      out.end();
      err.end();
      if (this.remote && !hostError) {
        try {
          const back = await copyOut(container, plan.workdir.dir, plan.artifactsDir);
          if (!back.checked && back.names.length > 0) sink.diagnostics('shoal: artifacts not checked: the image has no sha256sum, or the container ended before taking the sums\n');
          sink.artifacts(back.names);
        } catch (e) {
          hostError = `${this.label}: copying the result out of the container failed: ${this.fail(e).message}`;
        }
      }
      if (lost) this.reapWhenBack(ref);
      else await container.remove({ force: true, ...callDeadline() }).catch(() => undefined);
      sink.finish({ code, signal: null, ...(hostError ? { hostError } : {}) });
    })();
    return ref;
  }

  /** The container's own stats (one sample, not a stream). */
  async usage(ref: HostRef): Promise<HostUsage | null> {
    if (ref.kind !== 'docker') return null;
    return this.docker.getContainer(ref.containerId).stats({ stream: false, ...callDeadline() }).then((s) => usageOf(s), () => null);
  }

  /** Keeps trying to end a container cut off from this Shoal, with backoff, until the daemon
   *  answers again (or for about two minutes; after that recovery finds it by its labels). */
  private reapWhenBack(ref: HostRef, delayMs = 500, deadline = Date.now() + 120_000): void {
    void this.reap(ref).catch(() => {
      if (Date.now() > deadline) return;
      setTimeout(() => this.reapWhenBack(ref, Math.min(delayMs * 2, 5_000), deadline), delayMs).unref();
    });
  }

  async cancel(ref: HostRef): Promise<void> {
    await this.reap(ref);
  }

  async reap(ref: HostRef): Promise<'ended' | 'gone'> {
    if (ref.kind !== 'docker') return 'gone';
    const c = this.docker.getContainer(ref.containerId);
    try {
      const info = await c.inspect(callDeadline());
      if (info.State.Running) await c.kill(callDeadline()).catch(() => undefined);
      await c.remove({ force: true, ...callDeadline() }).catch(() => undefined);
      return info.State.Running ? 'ended' : 'gone';
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return 'gone';
      throw this.fail(e);
    }
  }

  /** Containers of this Shoal's attempts (by label), e.g. to find leftovers. */
  async attemptContainers(runId?: string): Promise<string[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [runId ? `${LABEL.run}=${runId}` : LABEL.run] }, ...callDeadline() });
    return list.map((c) => c.Id);
  }

  async close(): Promise<void> {
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

/** Docker's multiplexed log format (8-byte frame headers) to text. */
function demuxBuffer(buf: Buffer): string {
  let text = '';
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    text += buf.subarray(i + 8, i + 8 + len).toString();
    i += 8 + len;
  }
  return i === 0 && buf.length > 0 ? buf.toString() : text;
}
