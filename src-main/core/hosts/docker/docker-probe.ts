// Whether a Docker daemon can run attempts for a worker: it answers, has the image (never pulled),
// and a throwaway container of that image has git (and which agent CLIs). All under one deadline
// that every request of the probe carries, so a daemon that stops answering is reported rather
// than waited for, and no request is left pending on it afterwards (a pending request holds its
// connection open: `shoal workers test` would print its answer and then never exit).
// The throwaway container carries Shoal's labels (a probe's, with its deadline): when a hung daemon
// made the probe give up and its removal fail too, a later probe that finds the daemon answering
// removes it (removeLeftoverProbes), once its deadline has passed.
import type Docker from 'dockerode';
import type { HostProbe } from '../host-driver';
import { agentProbeLine, parseAgentProbe } from '../probe-commands';
import { waitForExit } from './container-wait';
import { callDeadline, daemonInfo, describeDockerError, inspectImage, isDeadline, forceRemove, pingDaemon, statusOf } from './docker-client';
import { LABEL, type ContainerKind } from './docker-labels';
import { dockerImageProblem } from '../../../../src-shared/protocol/docker-image';

export interface ProbeTarget {
  docker: Docker;
  image: string;
  where: string;
  label: string;
  /** Why this daemon cannot run attempts at all, or null. */
  unusable: string | null;
  callMs: number;
  /** The driver's wording of a Docker error. */
  fail: (e: unknown) => Error;
  /** The throwaway container may be left on the daemon (its creation or removal got no answer).
   *  May come after the probe answered: its removal is tried after the deadline too. */
  leftBehind?: () => void;
}

const NONE = { git: null, agents: [], cpus: null, memoryMb: null, os: null };

/** The probe's calls as one, under one deadline. */
export async function probeDaemon(t: ProbeTarget): Promise<HostProbe> {
  const until = Date.now() + t.callMs;
  const deadline = AbortSignal.timeout(t.callMs);
  const late = (): HostProbe => ({ ok: false, error: describeDockerError(deadline.reason, t.where, { ms: t.callMs, doing: 'being probed' }), ...NONE });
  // Every request below carries `deadline`; this race only makes sure the probe answers then even
  // if some step does not settle on its abort.
  let onAbort: (() => void) | undefined;
  const timedOut = new Promise<HostProbe>((resolve) => {
    onAbort = () => resolve(late());
    deadline.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([probeNow(t, deadline, until).then((p) => (deadline.aborted && !p.ok ? late() : p)), timedOut]);
  } finally {
    deadline.removeEventListener('abort', onAbort!);
  }
}

async function probeNow(t: ProbeTarget, deadline: AbortSignal, until: number): Promise<HostProbe> {
  if (t.unusable) return { ok: false, error: t.unusable, ...NONE };
  // Never put a malformed name into an API path (a worker kept before names were checked).
  const badImage = dockerImageProblem(t.image);
  if (badImage) return { ok: false, error: `${t.label}: image ${badImage}`, ...NONE };
  try {
    await pingDaemon(t.docker, deadline);
    const info = await daemonInfo(t.docker, deadline);
    await inspectImage(t.docker, t.image, deadline).catch((e: unknown) => {
      throw statusOf(e) === 404 ? new Error(`image ${t.image} not found at ${t.where} (Shoal never pulls: build or load it there first)`) : e;
    });
    const out = await runOnce(t, ['sh', '-c', `git --version 2>/dev/null; ${agentProbeLine()}`], deadline, until);
    const git = /git version (\S+)/.exec(out)?.[1] ?? null;
    const agents = parseAgentProbe(out);
    const probe = { git, agents, cpus: info.NCPU ?? null, memoryMb: info.MemTotal ? Math.round(info.MemTotal / 2 ** 20) : null, os: info.OperatingSystem ?? null };
    if (!git) return { ...probe, ok: false, error: `${t.label}: git not found in the image` };
    return { ...probe, ok: true };
  } catch (e) {
    if (isDeadline(e)) return { ok: false, error: describeDockerError(e, t.where, { ms: t.callMs, doing: 'being probed' }), ...NONE };
    return { ok: false, error: e instanceof Error && e.message.startsWith('image ') ? e.message : t.fail(e).message, ...NONE };
  }
}

/** Runs a throwaway container to its end and returns its output. `until`: when `deadline` fires. */
async function runOnce(t: ProbeTarget, cmd: string[], deadline: AbortSignal, until: number): Promise<string> {
  let c: Docker.Container;
  try {
    c = await t.docker.createContainer({
      Image: t.image, Cmd: cmd, HostConfig: { NetworkMode: 'host' },
      Labels: { [LABEL.kind]: 'probe' satisfies ContainerKind, [LABEL.probeUntil]: String(until) },
      abortSignal: deadline,
    });
  } catch (e) {
    // No answer (a deadline, a dropped connection): the daemon may have made it all the same.
    if (statusOf(e) === undefined) t.leftBehind?.();
    throw e;
  }
  try {
    await c.start({ abortSignal: deadline });
    await waitForExit(t.docker, c.id, deadline);
    const logs = await c.logs({ stdout: true, stderr: true, abortSignal: deadline });
    return demuxBuffer(logs);
  } finally {
    // Its own deadline: the probe's may be what ended it.
    await c.remove({ force: true, ...callDeadline(t.callMs) }).catch((e: unknown) => {
      if (statusOf(e) !== 404) t.leftBehind?.();
    });
  }
}

/** Removes the throwaway containers of probes (this Shoal's or another's) that could not remove
 *  their own, found by their labels; only those whose probe's deadline has passed, since until then
 *  a probe under way may still use it. */
export async function removeLeftoverProbes(docker: Docker, callMs: number): Promise<void> {
  const now = Date.now();
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABEL.kind}=probe`] }, ...callDeadline(callMs) });
  for (const c of list) {
    const until = Number(c.Labels?.[LABEL.probeUntil]);
    if (!Number.isFinite(until) || until > now) continue;
    await forceRemove(docker, c.Id, callMs);
  }
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
