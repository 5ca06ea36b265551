// This computer: the agent is a child process in its own process group (so the whole tree can be
// signalled at once), known durably by pid + start time so a restarted Shoal ends it and never a
// process that merely inherited its pid.
import { spawn } from 'node:child_process';
import os from 'node:os';
import readline from 'node:readline';
import { endCarriers, groupMemberCarries, isSameProcess, processStartTime, signalCarriers, signalGroup } from '../fleet/process-tree';
import { TreeSampler } from '../fleet/tree-usage';
import { LEFT_GROUP_CHECK_MS, OUTPUT_DRAIN_MS, type AttemptPlan, type AttemptSink, type HostDriver, type HostProbe, type HostUsage } from './host-driver';
import type { HostRef } from './host-ref';
import { probeCommands, type AgentCli } from './probe-commands';

export class LocalDriver implements HostDriver {
  readonly kind = 'local' as const;
  readonly label = 'this computer';

  /** `agentBins`: the CLI paths kept in Settings → Agents, which the probe asks instead of the PATH's. */
  constructor(private readonly agentBins: () => Partial<Record<AgentCli, string>> = () => ({})) {}

  /** `signal`: give up (a remote agent joining waits only so long); each command runs in a process
   *  group of its own, which is killed then, so a `--version` that never answers is not left behind. */
  async probe(signal?: AbortSignal): Promise<HostProbe> {
    const found = await probeCommands((cmd) => new Promise((resolve) => {
      if (signal?.aborted) return resolve('');
      const c = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
      const kill = () => c.pid && signalGroup(c.pid, 'SIGKILL');
      signal?.addEventListener('abort', kill, { once: true });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.on('close', () => {
        signal?.removeEventListener('abort', kill);
        resolve(out);
      });
      c.on('error', () => resolve(''));
    }), this.agentBins());
    return { ok: true, git: found.git, agents: found.agents, cpus: os.cpus().length, memoryMb: Math.round(os.totalmem() / 2 ** 20), os: `${os.type()} ${os.release()}` };
  }

  start(plan: AttemptPlan, sink: AttemptSink, signal: AbortSignal): Promise<HostRef> {
    const { launch } = plan;
    const child = spawn(launch.command, launch.args, { cwd: plan.workdir.dir, env: launch.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    // Once the agent has exited its pid may be reused: never signal it after that.
    let exited = false;
    let killTimer: NodeJS.Timeout | null = null;
    const stop = (): void => {
      if (!child.pid || killTimer || exited) return;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => child.pid && !exited && signalGroup(child.pid, 'SIGKILL'), plan.killGraceMs);
      killTimer.unref();
    };
    return new Promise<HostRef>((resolve, reject) => {
      child.once('error', (e) => {
        exited = true;
        sink.diagnostics(`shoal: could not start ${launch.command}: ${e.message}\n`);
        const reason = `could not start ${launch.command} (is it installed and on PATH?)`;
        sink.finish({ code: null, signal: null, hostError: reason });
        reject(new Error(reason));
      });
      child.once('spawn', () => {
        const pid = child.pid!;
        const workdir = launch.env.SHOAL_WORKDIR;
        const ref: HostRef = { kind: 'local', pid, startTime: processStartTime(pid), ...(workdir ? { workdir } : {}) };
        sink.started(ref);
        if (signal.aborted) stop();
        else signal.addEventListener('abort', stop, { once: true });
        readline.createInterface({ input: child.stdout! }).on('line', (line) => sink.output(line));
        child.stderr!.on('data', (chunk: Buffer) => sink.diagnostics(chunk.toString()));
        let result: { code: number | null; signal: NodeJS.Signals | null } | null = null;
        let streamsOpen = 2;
        // A job that left the agent's group and its output too (setsid with its streams redirected,
        // as a daemon does) neither holds the attempt open nor answers the group's signals: found by
        // the attempt's entry in its environment once the agent exits, it ends before the attempt does.
        let carriersEnded: Promise<unknown> = Promise.resolve();
        const maybe = (): void => {
          if (!result || streamsOpen > 0) return;
          if (killTimer) clearTimeout(killTimer);
          signal.removeEventListener('abort', stop);
          // Anything the agent left behind in its group (a background job) goes with it; the group
          // id stays reserved while a member lives, so this cannot hit a stranger.
          signalGroup(pid, 'SIGKILL');
          const { code, signal: sig } = result;
          void carriersEnded.then(() => sink.finish({ code, signal: sig }));
        };
        child.stdout!.once('close', () => { streamsOpen--; maybe(); });
        child.stderr!.once('close', () => { streamsOpen--; maybe(); });
        child.once('exit', (code, sig) => {
          exited = true;
          result = { code, signal: sig };
          // What the agent left running in its group goes now, not when it lets go of the output
          // it may hold (which would keep the attempt open past any timeout).
          signalGroup(pid, 'SIGKILL');
          if (workdir) carriersEnded = endCarriers(`SHOAL_WORKDIR=${workdir}`).catch(() => 0);
          maybe();
          if (streamsOpen > 0) setTimeout(releaseOutput, LEFT_GROUP_CHECK_MS).unref();
        });
        // The output still open after the agent and its group ended: a job of it that left the
        // group (setsid, as a daemon does) holds it, out of reach of the group's signals. It goes,
        // found by the attempt's entry in its environment; and should something still hold the
        // output after that (a job that dropped that entry too), what it wrote by then is read and
        // the attempt ends without it.
        const releaseOutput = (): void => {
          if (streamsOpen === 0) return;
          if (workdir) signalCarriers(`SHOAL_WORKDIR=${workdir}`, 'SIGKILL');
          setTimeout(() => {
            if (streamsOpen === 0) return;
            sink.diagnostics('shoal: the agent exited, but a process it started outside its process group still holds its output; no longer waiting for it\n');
            child.stdout!.destroy();
            child.stderr!.destroy();
          }, OUTPUT_DRAIN_MS).unref();
        };
        resolve(ref);
      });
    });
  }

  /** The agent's whole process tree; a pid that is no longer this attempt's process has none. */
  async usage(ref: HostRef): Promise<HostUsage | null> {
    if (ref.kind !== 'local' || !isSameProcess(ref.pid, ref.startTime)) return null;
    return new TreeSampler(ref.pid).sample();
  }

  async cancel(ref: HostRef): Promise<void> {
    await this.reap(ref);
  }

  /** Ends the agent's group while it is still the attempt's: its leader is the very process
   *  started, or (the leader gone, children of it still running) a member carries its workdir. */
  async reap(ref: HostRef): Promise<'ended' | 'gone'> {
    if (ref.kind !== 'local') return 'gone';
    const ours = isSameProcess(ref.pid, ref.startTime) || (ref.workdir !== undefined && groupMemberCarries(ref.pid, `SHOAL_WORKDIR=${ref.workdir}`));
    if (!ours) return 'gone';
    signalGroup(ref.pid, 'SIGKILL');
    return 'ended';
  }

  async close(): Promise<void> {}
}
