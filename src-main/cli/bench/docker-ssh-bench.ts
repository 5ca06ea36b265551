// Docker on "another machine", reached as ssh://: an attempt's container from start() to its first
// line of output through the Docker driver with an ssh:// docker host, side by side with podman's
// own remote client over SSH, `podman --url ssh://… --identity KEY run --rm IMAGE true` (target
// ≤ 1.2×, as for the local socket). Both log in to one throwaway sshd on 127.0.0.1 with the same key
// and reach the same podman service socket behind it (scripts/infra recipes, as the ssh bench).
//
// What each side pays, honestly: the driver keeps one SSH connection per daemon (as it does for a
// worker), so after the unmeasured warm-up it pays channels, not a login, but it also copies the
// attempt's (empty) workdir into the container before the start; the podman CLI is a new process
// that logs in anew each time (that is how `podman --url ssh://` and `docker -H ssh://` work), and
// its figure runs to the container's removal while ours stops at the first output — the same
// asymmetry as the local docker_vs_podman_run, kept so the two ratios read alike.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DockerDriver } from '../../core/hosts/docker/docker-driver';
import { fingerprintOf, KnownHosts } from '../../core/hosts/ssh/host-keys';
import { execFileP, firstOutputMs, IMAGE, recipe, round, sideBySide, timedMs } from './hosts-bench';

export interface DockerSshBench { driver_ssh_first_output_ms: number; podman_remote_ssh_run_ms: number; docker_ssh_vs_podman_ssh_run: number }

export async function dockerSshStartBench(rounds: number): Promise<DockerSshBench> {
  const sshdDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-sshd-'));
  const dockerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-docker-'));
  try {
    const [, portText] = execFileSync(recipe('sshd-up'), [sshdDir], { encoding: 'utf8' }).trim().split(/\s+/);
    const [, socketUrl] = execFileSync(recipe('docker-up'), [dockerDir], { encoding: 'utf8' }).trim().split(/\s+/);
    const port = Number(portText);
    const url = `ssh://${os.userInfo().username}@127.0.0.1:${port}${socketUrl!.replace(/^unix:\/\//, '')}`;
    const keyFile = path.join(sshdDir, 'id_ed25519');
    // Both sides pin the server's host key, neither trusts it blindly.
    const [type, blob] = fs.readFileSync(path.join(sshdDir, 'ssh_host_ed25519_key.pub'), 'utf8').split(/\s+/);
    const driver = new DockerDriver(IMAGE, [], url, 'bench', {
      known: KnownHosts.inDataDir(sshdDir), pinned: fingerprintOf(Buffer.from(blob!, 'base64')), privateKey: fs.readFileSync(keyFile, 'utf8'),
    });
    // podman's SSH client reads $HOME/.ssh/known_hosts (and would add to it): a HOME of the bench's
    // own keeps the person's ~/.ssh out of it, read and written alike.
    const home = path.join(sshdDir, 'home');
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(home, '.ssh', 'known_hosts'), `[127.0.0.1]:${port} ${type} ${blob}\n`, { mode: 0o600 });
    const podmanRemote = () => execFileP('podman', ['--url', url, '--identity', keyFile, 'run', '--rm', IMAGE, 'true'], { env: { ...process.env, HOME: home } });
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bench-work-'));
    try {
      const { ours, theirs } = await sideBySide(rounds, () => firstOutputMs(driver, work), () => timedMs(podmanRemote));
      return { driver_ssh_first_output_ms: round(ours), podman_remote_ssh_run_ms: round(theirs), docker_ssh_vs_podman_ssh_run: round(ours / theirs) };
    } finally {
      await driver.close();
      fs.rmSync(work, { recursive: true, force: true });
    }
  } finally {
    execFileSync(recipe('docker-down'), [dockerDir], { stdio: 'ignore' });
    execFileSync(recipe('sshd-down'), [sshdDir], { stdio: 'ignore' });
    for (const d of [sshdDir, dockerDir]) fs.rmSync(d, { recursive: true, force: true });
  }
}
