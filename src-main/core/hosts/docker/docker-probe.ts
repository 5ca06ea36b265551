// Whether a Docker daemon can run attempts for a worker: it answers, has the image (never pulled),
// and a throwaway container of that image has git (and which agent CLIs). All under one deadline,
// so a daemon that stops answering is reported rather than waited for.
import type Docker from 'dockerode';
import type { HostProbe } from '../host-driver';
import { agentProbeLine, parseAgentProbe } from '../probe-commands';
import { waitForExit } from './container-wait';
import { callDeadline, describeDockerError, pingDaemon } from './docker-client';

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
}

/** The probe's calls as one, under one deadline (dockerode's info takes no abort signal). */
export async function probeDaemon(t: ProbeTarget): Promise<HostProbe> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<HostProbe>((resolve) => {
    const error = describeDockerError(new DOMException('late', 'TimeoutError'), t.where, { ms: t.callMs, doing: 'being probed' });
    timer = setTimeout(() => resolve({ ok: false, error, git: null, agents: [], cpus: null, memoryMb: null, os: null }), t.callMs);
  });
  try {
    return await Promise.race([probeNow(t), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function probeNow(t: ProbeTarget): Promise<HostProbe> {
  const none = { git: null, agents: [], cpus: null, memoryMb: null, os: null };
  if (t.unusable) return { ok: false, error: t.unusable, ...none };
  try {
    await pingDaemon(t.docker, AbortSignal.timeout(t.callMs)); // not left pending on a hung daemon
    const info = (await t.docker.info()) as { NCPU?: number; MemTotal?: number; OperatingSystem?: string };
    await t.docker.getImage(t.image).inspect().catch((e: unknown) => {
      throw (e as { statusCode?: number }).statusCode === 404 ? new Error(`image ${t.image} not found at ${t.where} (Shoal never pulls: build or load it there first)`) : e;
    });
    const out = await runOnce(t, ['sh', '-c', `git --version 2>/dev/null; ${agentProbeLine()}`]);
    const git = /git version (\S+)/.exec(out)?.[1] ?? null;
    const agents = parseAgentProbe(out);
    const probe = { git, agents, cpus: info.NCPU ?? null, memoryMb: info.MemTotal ? Math.round(info.MemTotal / 2 ** 20) : null, os: info.OperatingSystem ?? null };
    if (!git) return { ...probe, ok: false, error: `${t.label}: git not found in the image` };
    return { ...probe, ok: true };
  } catch (e) {
    return { ok: false, error: e instanceof Error && e.message.startsWith('image ') ? e.message : t.fail(e).message, ...none };
  }
}

/** Runs a throwaway container to its end and returns its output. */
async function runOnce(t: ProbeTarget, cmd: string[]): Promise<string> {
  const c = await t.docker.createContainer({ Image: t.image, Cmd: cmd, HostConfig: { NetworkMode: 'host' }, ...callDeadline(t.callMs) });
  try {
    await c.start(callDeadline(t.callMs));
    await waitForExit(t.docker, c.id, AbortSignal.timeout(t.callMs));
    const logs = await c.logs({ stdout: true, stderr: true, ...callDeadline(t.callMs) });
    return demuxBuffer(logs);
  } finally {
    await c.remove({ force: true, ...callDeadline(t.callMs) }).catch(() => undefined);
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
