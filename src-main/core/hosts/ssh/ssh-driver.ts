// An SSH host: the remote needs only sshd, sh and git (plus the agent's CLI). Code travels by git —
// the task's base commit goes out as a bundle into a cache repository under ~/.shoal on the remote
// (only when the remote does not have it yet), the agent runs in a fresh detached worktree there, in
// its own session/process group, and its changes come back as a binary diff applied to the
// attempt's local worktree (which the supervisor commits to `shoal/<run>/<task>`): the user's
// checkout is never copied. Artifacts come back checked against the remote's SHA-256.
// A connection that drops while the agent runs leaves it running there (its own session): the
// attempt is reported `lost` (its worker goes down, its lease lapses, the task is reclaimed), its
// process group is ended once the host answers, and until then a probe does not call the host
// usable again (cut-off-work.ts), so the rerun never runs beside it. One that drops after the agent
// ended, while its results come back, is the same loss: nothing of them lands here, the attempt ends
// interrupted by it, and the remote workdir left there goes the way a cut-off agent does.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { LEFT_GROUP_CHECK_MS, OUTPUT_DRAIN_MS, type AttemptPlan, type AttemptSink, type HostCheck, type HostDriver, type HostProbe, type HostUsage, type UnrecordedSweep } from '../host-driver';
import type { HostRef } from '../host-ref';
import { parseSystemFacts, probeCommands, SYSTEM_FACTS } from '../probe-commands';
import { HOST_LOAD, HostLoadSampler } from './host-load';
import { shellQuote as q } from '../shell-quote';
import { parseResolved, resolveArgv } from '../../policy/real-path-there';
import { endCarriersCommand, endLeftoversCommand, killGroup, reapGroupCommand } from './remote-groups';
import type { SshConnection } from './ssh-connection';
import { SessionsBusy, SessionWaitCancelled } from './session-gate';
import { CutOffWork } from '../cut-off-work';
import { endGroupsCommand, listMarkersCommand, MARKED_LAUNCHER, markerDir, markerFile, markerKey, parseMarkerList, remoteWorkdir, removeEmptyMarkerDirCommand, type ListedMarker, type MarkedAttempt } from './pgid-markers';

const execFileP = promisify(execFile);

/** How long closing waits for the marker folders to be tidied (see removeEmptyStoreFolders). */
const CLOSE_TIDY_MS = 1_000;

/** An owed reap's group gets no grace, as one known by its pgid (reapGroupCommand): TERM, then KILL. */
const REAP_GRACE_MS = 0;

/** The ref of a group whose pgid came back (the only kind a started attempt has). */
export type SshGroupRef = HostRef & { kind: 'ssh'; pgid: number };

/** Variables that describe this computer, not the remote: the remote login's own values apply. */
const LOCAL_ONLY_ENV = new Set(['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR', 'SSH_AUTH_SOCK', 'ELECTRON_RUN_AS_NODE']);

export class SshDriver implements HostDriver {
  readonly kind = 'ssh' as const;
  readonly label: string;
  /** The host's previous CPU counters, for the busy share between heartbeats. */
  private readonly load = new HostLoadSampler();
  private home: Promise<string> | null = null;
  /** git's worktree and fetch bookkeeping in one remote repository, one change at a time. */
  private readonly repoQueues = new Map<string, Promise<unknown>>();
  /** The pgid marker of each group this driver started and has not seen cleaned up, by its remote
   *  workdir (one per attempt, named in its ref): a reap of that ref (a cut-off agent ended once its
   *  host answers) removes it too, rather than leaving it, and its store's folder, to a later sweep. */
  private readonly markers = new Map<string, string>();
  /** The marker folders of the stores this driver started attempts for: tidied when it closes. */
  private readonly storeFolders = new Set<string>();

  constructor(readonly conn: SshConnection) {
    this.label = conn.label;
  }

  get sshFingerprint(): string | null {
    return this.conn.lastFingerprint;
  }

  get sshKeyRefusal(): 'unknown' | 'changed' | null {
    return this.conn.lastKeyRefusal;
  }

  private async root(): Promise<string> {
    this.home ??= this.conn.exec('printf %s "$HOME"').then((r) => r.stdout.toString().trim() || '/tmp').catch((e: unknown) => {
      this.home = null;
      throw e;
    });
    return `${await this.home}/.shoal`;
  }

  private async run(command: string, what: string, opts: { stdin?: Buffer; signal?: AbortSignal; control?: boolean } = {}): Promise<Buffer> {
    const r = await this.conn.exec(command, opts.stdin, { signal: opts.signal, control: opts.control }).catch((e: unknown) => {
      const why = (e as Error).message.replace(`${this.label}: `, '');
      throw new NoAnswer(`${this.label}: ${what} failed: ${why}`, what, why);
    });
    if (r.code !== 0) throw new Error(`${this.label}: ${what} failed (exit ${r.code ?? r.signal}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
    return r.stdout;
  }

  private inRepo<T>(repo: string, fn: () => Promise<T>): Promise<T> {
    const next = (this.repoQueues.get(repo) ?? Promise.resolve()).then(fn, fn);
    this.repoQueues.set(repo, next.catch(() => undefined));
    return next;
  }

  /** The host answers and has git, and no agent this driver lost sight of is still running there:
   *  those are ended first (see CutOffWork). */
  async probe(): Promise<HostProbe> {
    const none = { git: null, agents: [], cpus: null, memoryMb: null, os: null };
    try {
      await this.conn.connect();
    } catch (e) {
      return { ok: false, error: (e as Error).message, ...none };
    }
    // A command that fails to run at all (the connection dropped meanwhile) fails the probe with
    // that cause: it must not read as "git not found".
    const run = (cmd: string) => this.conn.exec(cmd).then((r) => r.stdout.toString());
    let found: Awaited<ReturnType<typeof probeCommands>>;
    let facts: ReturnType<typeof parseSystemFacts>;
    try {
      [found, facts] = await Promise.all([probeCommands(run), run(SYSTEM_FACTS).then(parseSystemFacts)]);
    } catch (e) {
      return { ok: false, error: (e as Error).message, ...none };
    }
    const probe = { ...none, ...found, ...facts };
    if (!found.git) return { ...probe, ok: false, error: `${this.label}: git not found on the remote (Shoal moves code there with git)` };
    const left = (await this.cutOff.endAll()) ?? (await this.endUnconfirmed());
    if (left) return { ...probe, ok: false, error: left };
    return { ...probe, ok: true };
  }

  async start(plan: AttemptPlan, sink: AttemptSink, signal: AbortSignal): Promise<SshGroupRef> {
    const root = await this.root();
    const dir = remoteWorkdir(root, plan);
    const art = `${dir}.artifacts`;
    // Made with the workdir (no extra exec): the wrapper writes the group's pgid marker there.
    const marker = plan.storeId ? markerFile(root, plan.storeId, plan) : null;
    if (plan.storeId) this.storeFolders.add(markerDir(root, plan.storeId));
    const dirs = marker ? `${q(art)} ${q(markerDir(root, plan.storeId!))}` : q(art);
    // Tried twice: another attempt's cleanup may remove the run's folder (empty for a moment) between
    // mkdir -p making it and making the folder in it; it removes an empty folder only once.
    const mkdirs = (words: string) => `{ mkdir -p ${words} || mkdir -p ${words}; }`;
    const w = plan.workdir;
    const repo = w.repo && w.baseCommit && w.branch ? `${root}/repos/${crypto.createHash('sha256').update(w.repo).digest('hex').slice(0, 16)}.git` : null;
    if (repo) {
      await this.inRepo(repo, async () => {
        await this.sendCommit(repo, w.dir, w.branch!, w.baseCommit!, signal);
        await this.run(`rm -rf ${q(dir)} ${q(art)} && ${mkdirs(dirs)} && git -C ${q(repo)} worktree prune && git -C ${q(repo)} worktree add -q -f --detach ${q(dir)} ${w.baseCommit}`, 'creating the remote worktree', { signal });
      });
    } else {
      await this.run(`rm -rf ${q(dir)} ${q(art)} && ${mkdirs(`${q(dir)} ${dirs}`)}`, 'creating the remote workdir', { signal });
    }

    // Local paths in the agent's argv and environment become their remote counterparts, and the
    // gateway's local port the remote end of a reverse forward over this same connection.
    const swaps: Array<[string, string]> = [[plan.artifactsDir, art], [w.dir, dir]];
    // The agent's calls name paths there, and symlinks there are followed there (a short command,
    // over a free session or the control connection: the agent waits for its answer).
    sink.workdirThere?.(dir, async (paths) => parseResolved(await this.run(resolveArgv(paths).map(q).join(' '), 'following paths for the path rules', { control: true }), paths.length));
    if (plan.gatewayUrl) {
      const local = new URL(plan.gatewayUrl);
      const remotePort = await this.conn.forwardToLocal(Number(local.port));
      swaps.push([`${local.hostname}:${local.port}`, `127.0.0.1:${remotePort}`]);
    }
    const swap = (s: string) => swaps.reduce((acc, [from, to]) => acc.split(from).join(to), s);
    const envWords = Object.entries(plan.launch.env).filter(([k]) => !LOCAL_ONLY_ENV.has(k)).map(([k, v]) => q(`${k}=${swap(v)}`));
    const argv = [plan.launch.command, ...plan.launch.args].map((a) => q(swap(a)));
    // setsid: the agent leads its own session and process group, so cancel can end the whole tree
    // and a dropped connection does not (SIGHUP) — recovery decides then. Its pgid comes first on
    // stderr; with a store to mark it for, it is first written to the group's marker (pgid-markers.ts),
    // which goes with the workdir once the group ended (no extra process on the host: a shell left
    // waiting to remove it cost about 5 ms per attempt).
    const launcher = 'printf "SHOAL_PGID=%s\\n" "$$" >&2; exec "$@"';
    const group = (script: string, words: string) => `setsid -w env ${envWords.join(' ')} sh -c ${q(script)} shoal-agent ${words}${argv.join(' ')}`;
    const command = marker
      ? `cd ${q(dir)} && exec ${group(MARKED_LAUNCHER, `${q(marker)} ${q(markerKey(plan))} `)}`
      : `cd ${q(dir)} && exec ${group(launcher, '')}`;
    // Past the host's MaxSessions this waits for a free session (after the short commands waiting),
    // and a cancel meanwhile gives up waiting: nothing ran in the workdir, so it goes. (Not after a
    // drop: an exec cut off in flight may have started the agent there.)
    const agent = await this.conn.spawn(command, { signal, long: true }).catch((e: unknown) => {
      // Its marker was never written (nor ever will be): naming it lets its folder go when empty.
      if (e instanceof SessionWaitCancelled) void this.removeWorkdir({ repo, dir, art, marker });
      throw e;
    });
    const ch = agent.channel;
    ch.end();

    return new Promise<SshGroupRef>((resolve, reject) => {
      let ref: SshGroupRef | null = null;
      let lost: string | null = null;
      let killTimer: NodeJS.Timeout | null = null;
      // Once the agent has exited, what it left running in its group (a background job) is ended at
      // once: it would hold the channel open past any timeout, and outlive the attempt otherwise. So
      // is a job that left the group and let go of the output too (setsid with its streams
      // redirected): nothing holds the attempt open for it, and only its environment names it.
      let leftovers: Promise<unknown> | null = null;
      const endLeftovers = (pgid: number): Promise<unknown> =>
        (leftovers ??= this.conn.exec(`${endLeftoversCommand(pgid, dir)}\n${endCarriersCommand(dir)}`, undefined, { control: true }).catch(() => undefined));
      let closed = false;
      agent.onExit(() => {
        if (!ref) return;
        void endLeftovers(ref.pgid).then(() => new Promise((r) => setTimeout(r, LEFT_GROUP_CHECK_MS))).then(async () => {
          if (closed || lost) return;
          // The output still open after the agent and its group ended: a job of it that left the
          // group (setsid, as a daemon does) holds it, out of reach of the group's signals. It goes,
          // found by the attempt's entry in its environment; should something still hold the output
          // after that (a job that dropped that entry too), the channel is closed from here once
          // what was written by then has come: the attempt does not wait for it.
          await this.conn.exec(endCarriersCommand(dir), undefined, { control: true }).catch(() => undefined);
          setTimeout(() => {
            if (closed || lost) return;
            sink.diagnostics('shoal: the agent exited, but a process it started outside its process group still holds its output; no longer waiting for it\n');
            ch.close();
          }, OUTPUT_DRAIN_MS).unref();
        });
      });
      const stopLost = this.conn.onLost((why) => {
        lost = why;
        ch.destroy();
      });
      // Control commands: they never wait for some agent to end (see SshConnection).
      const stop = (): void => {
        if (ref && agent.exit) void endLeftovers(ref.pgid);
        if (!ref || agent.exit || killTimer) return;
        const pg = ref.pgid;
        void this.conn.exec(killGroup(pg, 'TERM'), undefined, { control: true }).catch(() => undefined);
        killTimer = setTimeout(() => void this.conn.exec(killGroup(pg, 'KILL'), undefined, { control: true }).catch(() => undefined), plan.killGraceMs);
        killTimer.unref();
      };
      readline.createInterface({ input: ch }).on('line', (line) => sink.output(line));
      let errBuf = '';
      ch.stderr.on('data', (d: Buffer) => {
        if (ref) return sink.diagnostics(d.toString());
        errBuf += d.toString();
        const m = /^SHOAL_PGID=(\d+)\n/.exec(errBuf);
        if (!m) return;
        ref = this.groupAt(Number(m[1]), dir);
        if (marker) this.markers.set(dir, marker);
        sink.started(ref);
        if (errBuf.length > m[0].length) sink.diagnostics(errBuf.slice(m[0].length));
        if (signal.aborted) stop();
        else signal.addEventListener('abort', stop, { once: true });
        resolve(ref);
      });
      ch.on('close', () => {
        closed = true;
        const exit = agent.exit;
        stopLost();
        signal.removeEventListener('abort', stop);
        if (killTimer) clearTimeout(killTimer);
        if (!ref) {
          const why = lost ?? `${this.label}: the agent did not start: ${errBuf.trim() || `exit ${exit?.code ?? 'unknown'}`}`;
          // Dropped before the pgid came back: the group may have started there all the same. The
          // worker goes down, and the probe that finds the host back ends it (by its marker) before
          // the task can run there again. This driver's own probe does so too: when the host
          // answers at once (a reconnect), the supervisor's probe is the only one — the worker's
          // re-probe may never come (the task's last attempt ended its run, and the run's worker
          // left with it), and the group would be left running there.
          // The attempt keeps the group's marker as its ref too (`unconfirmed`): its reap is owed, so
          // it is ended even when no worker on this host is probed again, or after a restart.
          const mayRun = lost && marker && plan.storeId ? marker : null;
          if (mayRun) this.unconfirmed.set(mayRun, { storeId: plan.storeId!, runId: plan.runId, taskId: plan.taskId, attempt: plan.attempt, killGraceMs: plan.killGraceMs });
          const unconfirmed: HostRef | null = mayRun ? { ...this.groupAt(null, dir), marker: mayRun } : null;
          sink.finish({ code: null, signal: null, hostError: why, ...(lost ? { hostDown: true } : {}), ...(unconfirmed ? { unconfirmed } : {}) });
          reject(new Error(why));
          return;
        }
        const started = ref;
        if (lost) {
          // The agent may still run there (its own session): end it as soon as the host answers.
          this.cutOff.add(started);
          sink.finish({ code: null, signal: null, hostError: `${lost} while the agent ran`, lost: true });
          return;
        }
        const ended = { code: exit?.code ?? null, signal: exit?.signal ?? null };
        void endLeftovers(started.pgid).then(() => this.bringBack(plan, sink, { repo, dir, art, marker, base: w.baseCommit }).then(
          (cleanupLost) => {
            if (!cleanupLost) return sink.finish(ended);
            // Everything came back and was checked; only the workdir there is left, removed once the
            // host answers (as for a loss on the way).
            this.cutOff.add(started);
            sink.finish({ ...ended, hostLost: `${this.label}: connection lost while ${cleanupLost.step}: ${cleanupLost.why}`, workLeft: true });
          },
          (e: unknown) => {
            if (!(e instanceof NoAnswer)) return sink.finish({ ...ended, hostError: (e as Error).message });
            // Lost as the results came back: the workdir left there goes once the host answers (a
            // probe sees to it before it calls the host usable), and its reap is owed until then.
            this.cutOff.add(started);
            sink.finish({ ...ended, hostError: `${this.label}: connection lost while bringing the results back (${e.step}): ${e.why}`, hostDown: true, resultsLost: true, workLeft: true });
          },
        ));
      });
    });
  }

  /** Makes `base` present in the remote cache repository, sending a bundle only when it is not. */
  private async sendCommit(repo: string, localDir: string, branch: string, base: string, signal: AbortSignal): Promise<void> {
    const has = await this.conn.exec(`git -C ${q(repo)} cat-file -e ${base}^{commit} 2>/dev/null`, undefined, { signal });
    if (has.code === 0) return;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bundle-'));
    try {
      const file = path.join(tmp, 'base.bundle');
      await execFileP('git', ['bundle', 'create', '-q', file, branch], { cwd: localDir });
      const bundle = fs.readFileSync(file);
      await this.run(`set -e; mkdir -p ${q(path.posix.dirname(repo))}; [ -d ${q(repo)} ] || git init -q --bare ${q(repo)}; t=$(mktemp); trap 'rm -f "$t"' EXIT; cat > "$t"; git -C ${q(repo)} fetch -q "$t" '+refs/heads/*:refs/shoal-in/*'`, 'sending the base commit', { stdin: bundle, signal });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** The agent's changes into the local worktree and its artifacts into the local artifacts dir,
   *  all or nothing: everything is fetched first (each artifact checked against the remote's SHA-256
   *  into a staging dir), and only then is the patch applied and are the artifacts moved into place.
   *  A host that stops answering on the way (NoAnswer) thus leaves nothing of the attempt here. Then
   *  the remote workdir goes; a host that stops answering only then is returned (the result is all
   *  here; the workdir there is the caller's to see to). Control commands: the next agent taking the
   *  session this one freed does not hold them up. */
  private async bringBack(plan: AttemptPlan, sink: AttemptSink, at: { repo: string | null; dir: string; art: string; marker: string | null; base: string | null }): Promise<NoAnswer | null> {
    fs.mkdirSync(plan.artifactsDir, { recursive: true });
    // Beside its destination: moving a file in is a rename, never a copy across filesystems.
    const staging = fs.mkdtempSync(path.join(plan.artifactsDir, '.shoal-incoming-'));
    try {
      let fetched: { patch: Buffer | null; names: string[] };
      try {
        fetched = await this.fetchResults(at, staging);
      } catch (e) {
        // An ordinary failure (a damaged artifact, a git error there): the workdir goes all the
        // same. One the host did not answer leaves it (the caller sees to it once the host is back),
        // and so does a host that stops answering now.
        if (!(e instanceof NoAnswer)) throw (await this.removeWorkdir(at)) ?? e;
        throw e;
      }
      try {
        if (fetched.patch) await applyPatch(plan.workdir.dir, fetched.patch);
        for (const name of fetched.names) fs.renameSync(path.join(staging, name), path.join(plan.artifactsDir, name));
      } catch (e) {
        // A failure here (the patch does not apply): the attempt's own, and the workdir there goes.
        await this.removeWorkdir(at);
        throw e;
      }
      sink.artifacts(fetched.names);
      return await this.removeWorkdir(at);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }

  /** The agent's patch (null when it changed nothing) and its artifacts, checked, into `staging`. */
  private async fetchResults(at: { repo: string | null; art: string; dir: string; base: string | null }, staging: string): Promise<{ patch: Buffer | null; names: string[] }> {
    let patch: Buffer | null = null;
    if (at.repo && at.base) {
      const diff = await this.run(`cd ${q(at.dir)} && git add -A -N . >/dev/null 2>&1; git -c core.quotepath=off diff --binary ${at.base}`, 'reading the agent\'s changes', { control: true });
      if (diff.length > 0) patch = diff;
    }
    const listing = (await this.run(`cd ${q(at.art)} 2>/dev/null || exit 0; for f in *; do [ -f "$f" ] && sha256sum -- "$f"; done; true`, 'listing artifacts', { control: true })).toString();
    const names: string[] = [];
    for (const line of listing.split('\n')) {
      const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
      if (!m || m[2]!.includes('/')) continue;
      const body = await this.run(`cat -- ${q(`${at.art}/${m[2]}`)}`, `fetching artifact ${m[2]}`, { control: true });
      if (crypto.createHash('sha256').update(body).digest('hex') !== m[1]) throw new Error(`${this.label}: artifact ${m[2]} arrived damaged (checksum mismatch)`);
      fs.writeFileSync(path.join(staging, m[2]!), body);
      names.push(m[2]!);
    }
    return { patch, names };
  }

  /** The attempt's remote workdir and artifacts dir go, and its group's pgid marker (the group has
   *  ended) with its store's folder once empty. A command that failed there is not the attempt's
   *  failure (null); a host that did not answer is returned (NoAnswer), for the caller to judge. */
  private async removeWorkdir(at: { repo: string | null; dir: string; art: string; marker?: string | null }): Promise<NoAnswer | null> {
    const marker = at.marker ? ` ${q(at.marker)}; ${removeEmptyMarkerDirCommand(path.posix.dirname(at.marker))}` : '';
    // The run's folder of workdirs goes with its last one (rmdir refuses while another is there).
    const cleanup = `rm -rf ${q(at.dir)} ${q(at.art)}${marker}; rmdir ${q(path.posix.dirname(at.dir))} 2>/dev/null` + (at.repo ? `; git -C ${q(at.repo)} worktree prune` : '; true');
    const done = () => this.run(cleanup, 'removing the remote workdir', { control: true }).then(() => {
      this.markers.delete(at.dir);
      return null;
    }, (e: unknown) => (e instanceof NoAnswer ? e : null));
    return at.repo ? this.inRepo(at.repo, done) : done();
  }

  /** Agents cut off from this Shoal by a dropped connection: ended in the background once the host
   *  answers, and by a probe before it says yes. Stops when the driver closes. */
  private readonly cutOff = new CutOffWork(this);

  /** Attempts whose connection dropped before their pgid came back (by marker path): their group
   *  may run there, known only by its marker. A probe ends them before it says yes. */
  private readonly unconfirmed = new Map<string, MarkedAttempt & { storeId: string; killGraceMs: number }>();

  /** Ends the groups of `unconfirmed` attempts by their markers (as the engine's sweep would, for
   *  these attempts only): null once none is left, else why not. */
  private async endUnconfirmed(): Promise<string | null> {
    for (const [file, a] of [...this.unconfirmed]) {
      const left = await this.endUnrecorded({ storeId: a.storeId, killGraceMs: a.killGraceMs, spare: (r, t, n) => r !== a.runId || t !== a.taskId || n !== a.attempt });
      if (left) return left;
      this.unconfirmed.delete(file);
    }
    return null;
  }

  settled(): Promise<void> {
    return this.cutOff.idle();
  }

  /** The remote host's load, read with one exec: CPU busy as the 1-minute load average over the
   *  CPUs, memory as total minus available. Over the attempt's own connection when it has a free
   *  session, else over the control connection (under MaxSessions 1 the agent holds the only one),
   *  which closes again once the samples stop. It never waits for a free session on either: a late
   *  sample is worth nothing, and no heartbeat is recorded while one is out. */
  async usage(ref: HostRef): Promise<HostUsage | null> {
    if (ref.kind !== 'ssh') return null;
    const sample = await this.alive();
    return sample.kind === 'alive' ? sample.usage : null;
  }

  /** The idle host's sign of life is the same load sample (one exec, the same sessions rule): an
   *  answer is life even when it carries no figures (a host without /proc); no free session on
   *  either connection says nothing; a command that could not run (the connection refused, dropped,
   *  or not made) is silence. Over the host's one connection: made again here if it had dropped. */
  async alive(): Promise<HostCheck> {
    try {
      const r = await this.conn.exec(HOST_LOAD, undefined, { wait: false, control: true });
      return { kind: 'alive', usage: this.load.read(r.stdout.toString()) };
    } catch (e) {
      if (e instanceof SessionsBusy) return { kind: 'skipped' };
      const why = (e as Error).message;
      return { kind: 'silent', cause: why.startsWith(this.label) ? why : `${this.label}: ${why}` };
    }
  }

  async cancel(ref: HostRef): Promise<void> {
    await this.reap(ref);
  }

  /** Ends the process group only while it is still this attempt's: its leader's environment (or,
   *  the leader gone, a member's) names the attempt's workdir, so a recycled pgid is never signalled. */
  async reap(ref: HostRef): Promise<'ended' | 'gone'> {
    if (ref.kind !== 'ssh') return 'gone';
    if (ref.pgid === null) return this.reapByMarker(ref.marker, ref.dir);
    // The group's marker, when this driver started it, goes with the group (and its folder once empty).
    const marker = this.markers.get(ref.dir);
    const markerGone = marker ? `\nrm -f ${q(marker)}; ${removeEmptyMarkerDirCommand(path.posix.dirname(marker))}` : '';
    const r = await this.conn.exec(`${reapGroupCommand(ref.pgid, ref.dir)}${markerGone}`, undefined, { control: true });
    if (marker && r.code === 0) this.markers.delete(ref.dir);
    return r.stdout.toString().includes('ended') ? 'ended' : 'gone';
  }

  /** Ends the group a marker names (its pgid never came back), with the marker and the workdir;
   *  'gone' when the marker is (the group ended, or never started), and then the workdir goes too. */
  private async reapByMarker(marker: string | undefined, dir: string): Promise<'ended' | 'gone'> {
    let found: ListedMarker | undefined;
    if (marker) {
      const folder = path.posix.dirname(marker);
      found = parseMarkerList((await this.run(listMarkersCommand(folder), 'reading the pgid marker', { control: true })).toString())
        .find((m) => `${folder}/${m.file}` === marker);
    }
    const command = found ? endGroupsCommand([{ pgid: found.pgid, marker: marker!, workdir: dir }], REAP_GRACE_MS) : `rm -rf ${q(dir)} ${q(`${dir}.artifacts`)}`;
    const out = await this.run(command, 'ending the process group its marker names', { control: true });
    if (marker) this.unconfirmed.delete(marker); // ended here: this driver's own probe need not
    return out.toString().includes('ended') ? 'ended' : 'gone';
  }

  /** A process group this driver started: this connection's host and login, its pgid (null: known
   *  only by its marker), the workdir. */
  private groupAt<P extends number | null>(pgid: P, dir: string): { kind: 'ssh'; host: string; port: number; user: string; pgid: P; dir: string } {
    const t = this.conn.target;
    return { kind: 'ssh', host: t.host, port: t.port, user: t.user, pgid, dir };
  }

  /** Ends the groups named by this store's pgid markers whose attempts do not run now (started
   *  while Shoal crashed or lost the connection before the pgid was stored), and removes markers
   *  whose group is gone. Control commands: busy sessions never hold it up. */
  async endUnrecorded(sweep: UnrecordedSweep): Promise<string | null> {
    try {
      const root = await this.root();
      const dir = markerDir(root, sweep.storeId);
      const listed = parseMarkerList((await this.run(listMarkersCommand(dir), 'listing the pgid markers', { control: true })).toString());
      const groups = listed.filter((m) => !sweep.spare(m.runId, m.taskId, m.attempt)).map((m) => ({ pgid: m.pgid, marker: `${dir}/${m.file}`, workdir: remoteWorkdir(root, m) }));
      if (groups.length > 0) await this.run(endGroupsCommand(groups, sweep.killGraceMs), 'ending process groups of attempts Shoal did not record', { control: true });
      return null;
    } catch (e) {
      const why = (e as Error).message;
      return why.startsWith(this.label) ? why : `${this.label}: ${why}`;
    }
  }

  reaches(ref: HostRef): boolean {
    const t = this.conn.target;
    return ref.kind === 'ssh' && ref.host.toLowerCase() === t.host.toLowerCase() && ref.port === t.port && ref.user === t.user;
  }

  async close(): Promise<void> {
    this.cutOff.cancelAll();
    await this.removeEmptyStoreFolders();
    this.conn.close();
  }

  /** The marker folders of the stores this driver started attempts for go if empty (one a start
   *  left behind when it failed before its launcher ran); one holding markers stays. Only over a
   *  live connection and a free session, and never for longer than CLOSE_TIDY_MS: closing must not
   *  log in again or wait for a slow host for this. */
  private async removeEmptyStoreFolders(): Promise<void> {
    if (this.storeFolders.size === 0 || !this.conn.connected) return;
    const command = [...this.storeFolders].map(removeEmptyMarkerDirCommand).join('; ');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.conn.exec(command, undefined, { wait: false }).catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_TIDY_MS);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }
}

async function applyPatch(dir: string, patch: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile('git', ['apply', '--binary', '--whitespace=nowarn', '-'], { cwd: dir }, (e, _out, err) => (e ? reject(new Error(`applying the remote changes: ${String(err).trim() || e.message}`)) : resolve()));
    child.stdin?.end(patch);
  });
}

/** A command the host gave no answer to: it could not be run, or its connection dropped before it
 *  reported an exit status (as opposed to a command that ran and failed there). */
class NoAnswer extends Error {
  constructor(message: string, readonly step: string, readonly why: string) {
    super(message);
  }
}
