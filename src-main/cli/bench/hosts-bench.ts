// Host overheads, each measured side by side with its reference in the same run (ratios, not
// absolute times, so a loaded machine hurts both alike):
//  - SSH: one exec on Shoal's reused ssh2 connection vs OpenSSH's `ssh` reusing a ControlMaster
//    connection, both running `true` on a throwaway sshd on 127.0.0.1 (target ≤ 1.0×);
//  - Docker: an attempt's container from create to its first line of output through the Docker
//    driver vs `podman run --rm IMAGE true` (target ≤ 1.2×); the same over ssh:// is
//    docker-ssh-bench.ts, with the helpers here.
// The servers are started with the repo's recipes (scripts/infra) and stopped afterwards.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DockerDriver } from '../../core/hosts/docker/docker-driver';
import type { AttemptSink } from '../../core/hosts/host-driver';
import { KnownHosts } from '../../core/hosts/ssh/host-keys';
import { SshConnection } from '../../core/hosts/ssh/ssh-connection';
import { findUp } from '../paths';
import { median } from './fleet-bench';

/** As the app starts a container: labelled with a store (whose sweep would find it), not unmarked. */
const BENCH_STORE = '0'.repeat(24);

export const execFileP = promisify(execFile);
export const IMAGE = 'localhost/shoal-worker:latest';

export function recipe(name: string): string {
  const found = findUp(path.dirname(fileURLToPath(import.meta.url)), path.join('scripts', 'infra', name));
  if (!found) throw new Error(`scripts/infra/${name} not found beside this build`);
  return found;
}

export interface SshBench { ssh2_exec_ms: number; openssh_exec_ms: number; ssh_vs_openssh: number }

export async function sshExecBench(execs: number, rounds: number): Promise<SshBench> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-sshd-'));
  try {
    const [, portText] = execFileSync(recipe('sshd-up'), [dir], { encoding: 'utf8' }).trim().split(/\s+/);
    const port = Number(portText);
    const user = os.userInfo().username;
    const key = path.join(dir, 'id_ed25519');
    const conn = new SshConnection({ host: '127.0.0.1', port, user, identity: key }, { known: KnownHosts.inDataDir(dir), acceptNew: true });
    const sshArgs = ['-i', key, '-p', String(port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR',
      '-o', 'ControlMaster=auto', '-o', `ControlPath=${path.join(dir, 'cm-%C')}`, '-o', 'ControlPersist=60', `${user}@127.0.0.1`, 'true'];
    try {
      const perExec = async (run: () => Promise<unknown>): Promise<number> => (await timedMs(async () => {
        for (let i = 0; i < execs; i++) await run();
      })) / execs;
      // sideBySide's unmeasured first round makes both connections before anything is timed.
      const { ours: a, theirs: b } = await sideBySide(rounds, () => perExec(() => conn.exec('true')), () => perExec(() => execFileP('ssh', sshArgs)));
      return { ssh2_exec_ms: round(a), openssh_exec_ms: round(b), ssh_vs_openssh: round(a / b) };
    } finally {
      conn.close();
      await execFileP('ssh', [...sshArgs.slice(0, -2), '-O', 'exit', `${user}@127.0.0.1`]).catch(() => undefined);
    }
  } finally {
    execFileSync(recipe('sshd-down'), [dir], { stdio: 'ignore' });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface DockerBench { driver_first_output_ms: number; podman_run_ms: number; docker_vs_podman_run: number }

export async function dockerStartBench(rounds: number): Promise<DockerBench> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-docker-'));
  try {
    const [, url] = execFileSync(recipe('docker-up'), [dir], { encoding: 'utf8' }).trim().split(/\s+/);
    const driver = new DockerDriver(IMAGE, [], url!, 'bench');
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-work-'));
    const { ours: a, theirs: b } = await sideBySide(rounds, () => firstOutputMs(driver, work), () => timedMs(() => execFileP('podman', ['run', '--rm', IMAGE, 'true'])));
    fs.rmSync(work, { recursive: true, force: true });
    return { driver_first_output_ms: round(a), podman_run_ms: round(b), docker_vs_podman_run: round(a / b) };
  } finally {
    execFileSync(recipe('docker-down'), [dir], { stdio: 'ignore' });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One attempt through the driver, `echo ready` in a container: ms from start() to its first line
 *  of output. A host error or no output fails the bench rather than giving a figure. */
export async function firstOutputMs(driver: DockerDriver, work: string): Promise<number> {
  const t = performance.now();
  let first = 0;
  await new Promise<void>((resolve, reject) => {
    const sink: AttemptSink = {
      started() {}, diagnostics() {}, events() {}, artifacts() {},
      output() {
        first ||= performance.now() - t;
      },
      finish: (exit) => (exit.hostError ? reject(new Error(exit.hostError)) : resolve()),
    };
    driver.start({
      runId: 'bench', taskId: 't', attempt: 1, launch: { command: 'echo', args: ['ready'], env: {}, stream: 'plain' }, workerName: 'bench',
      workdir: { dir: work, branch: null, baseCommit: null, repo: null }, artifactsDir: work, gatewayUrl: null, killGraceMs: 1000, storeId: BENCH_STORE,
    }, sink, new AbortController().signal).catch(reject);
  });
  if (first === 0) throw new Error(`${driver.label}: the container printed nothing`);
  return first;
}

export async function timedMs(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Each path once unmeasured (the image's layers mounted, connections made), then `rounds`
 *  interleaved so a burst of load hits both alike; the medians. */
export async function sideBySide(rounds: number, oursFn: () => Promise<number>, theirsFn: () => Promise<number>): Promise<{ ours: number; theirs: number }> {
  await oursFn();
  await theirsFn();
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    ours.push(await oursFn());
    theirs.push(await theirsFn());
  }
  return { ours: median(ours), theirs: median(theirs) };
}

export function round(x: number): number {
  return Math.round(x * 100) / 100;
}
