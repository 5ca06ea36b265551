// A Docker daemon on "another machine", reached as ssh://USER@HOST:PORT/path/to/docker.sock: a real
// OpenSSH server on 127.0.0.1 and podman's Docker API on a unix socket the ssh login opens. Every API
// request is a channel over one SSH connection; the container reaches the tool gateway through a
// reverse forward over that same connection (a port on the remote's 127.0.0.1, not the gateway's own).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, initRepo } from '../test-support/git-repo';
import { TEST_IMAGE } from '../test-support/docker-api';
import { startSshAgent, type TestSshAgent } from '../test-support/ssh-agent';
import { eventsOf, launch } from '../test-support/temp-core';
import { tempDir } from '../test-support/temp-dir';
import { useCores } from '../test-support/use-cores';
import { useSshdAndDocker } from '../test-support/use-hosts';
import { waitFor } from '../test-support/wait-for';
import { DockerDriver } from './docker/docker-driver';
import { parseSshDockerHost } from './docker/ssh-docker-transport';
import { KnownHosts } from './ssh/host-keys';
import { childrenOf, processesMatching } from '../test-support/processes';

const hosts = useSshdAndDocker();
const makeCore = useCores();

const socketOf = (): string => hosts.dockerApi.url.replace(/^unix:\/\//, '');
const sshUrl = (socket = socketOf()): string => `ssh://${hosts.sshd.user}@127.0.0.1:${hosts.sshd.port}${socket}`;
const keyOf = (): string => fs.readFileSync(hosts.sshd.identity, 'utf8');

describe('docker over ssh://', () => {
  it('reads ssh://[USER@]HOST[:PORT][/socket], defaulting the port and the socket', () => {
    expect(parseSshDockerHost('ssh://me@box:2222/run/podman/podman.sock')).toEqual({ target: { host: 'box', port: 2222, user: 'me' }, socketPath: '/run/podman/podman.sock' });
    expect(parseSshDockerHost('ssh://me@box')).toEqual({ target: { host: 'box', port: 22, user: 'me' }, socketPath: '/var/run/docker.sock' });
    expect(() => parseSshDockerHost('ssh://me:hunter2@box')).toThrow('docker host ssh://me:***@box: a password in the URL is not supported');
  });

  it('probes the daemon through the SSH connection: unknown host key refused, then pinned and usable', async () => {
    const known = KnownHosts.inDataDir(tempDir());
    const refused = await new DockerDriver(TEST_IMAGE, [], sshUrl(), 'far', { known, privateKey: keyOf() }).probe();
    expect(refused.ok).toBe(false);
    expect(refused.error).toContain(`host key of 127.0.0.1:${hosts.sshd.port} is not known: ${hosts.sshd.fingerprint}`);

    const d = new DockerDriver(TEST_IMAGE, [], sshUrl(), 'far', { known, acceptNew: true, privateKey: keyOf() });
    const probe = await d.probe();
    await d.close();
    expect(probe).toMatchObject({ ok: true, git: expect.stringMatching(/^\d/) });
    expect(probe.cpus).toBeGreaterThan(0);
    expect(d.sshFingerprint).toBe(hosts.sshd.fingerprint);
    expect(known.get(`127.0.0.1:${hosts.sshd.port}`)).toBe(hosts.sshd.fingerprint);
  });

  it('names the host and the socket when the socket is not there', async () => {
    const d = new DockerDriver(TEST_IMAGE, [], sshUrl('/nonexistent/docker.sock'), 'far', { known: KnownHosts.inDataDir(tempDir()), pinned: hosts.sshd.fingerprint, privateKey: keyOf() });
    const probe = await d.probe();
    await d.close();
    expect(probe.ok).toBe(false);
    expect(probe.error).toContain(`ssh ${hosts.sshd.user}@127.0.0.1:${hosts.sshd.port}: the Docker socket /nonexistent/docker.sock there could not be opened`);
  });

  it('refuses a tcp:// daemon on another machine at probe time, pointing to ssh://', async () => {
    // 192.0.2.0/24 is documentation-only: the refusal comes before any traffic.
    const d = new DockerDriver(TEST_IMAGE, [], 'tcp://192.0.2.10:2375', 'far');
    const probe = await d.probe();
    expect(probe.ok).toBe(false);
    expect(probe.error).toBe('Docker at tcp://192.0.2.10:2375 is on another machine: its containers cannot reach Shoal\'s tool gateway over tcp:// (unencrypted); use --docker-host ssh://[USER@]HOST[:PORT][/path/to/docker.sock] instead');
  });

  describe('a run with DOCKER_HOST=ssh://… and the key in the user\'s ssh-agent', () => {
    let agent: TestSshAgent | null = null;
    const saved = { DOCKER_HOST: process.env.DOCKER_HOST, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK };
    beforeAll(async () => {
      agent = await startSshAgent(hosts.sshd.identity);
      process.env.SSH_AUTH_SOCK = agent.socket;
      process.env.DOCKER_HOST = sshUrl();
    });
    afterAll(() => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      agent?.stop();
    });

    it('asks for approval through the forwarded gateway, then brings the patch and artifacts back (the copy in had the git history)', async () => {
      const c = makeCore();
      KnownHosts.inDataDir(c.dataDir).pin(`127.0.0.1:${hosts.sshd.port}`, hosts.sshd.fingerprint);
      const repo = initRepo({ 'README.md': 'base\n' });
      const runId = launch(c, {
        name: 'docker-ssh',
        worker_specs: [{ id: 'w1', name: 'far container', host: { kind: 'docker', image: TEST_IMAGE } }],
        task_specs: [{
          id: 'ask', name: 'ask', retry_policy: { max_attempts: 1 },
          instructions: 'echo "needs a person" && echo "gateway $SHOAL_GATEWAY_URL in $PWD"; echo yes > approved.txt; git rev-parse HEAD > head.txt; git status --porcelain > status.txt; echo more >> README.md; echo \'{"ok":true}\' > "$SHOAL_ARTIFACTS_DIR/report.json"',
          scorer: { kind: 'file_exists', path: 'approved.txt' },
          expected_artifacts: ['report'],
          metadata: { policy: { rules: [{ id: 'ask-echo', tool: 'exec_shell', prefix: 'echo "needs a person"', action: 'ask' }] } },
        }],
      }, repo);
      const pending = await waitFor('the approval request', () => c.approvals.pending().find((a) => a.runId === runId), 60_000);
      expect(c.approvals.decide(pending.id, 'approved', 'you').changed).toBe(true);
      expect(await c.engine.waitForRun(runId)).toBe('completed');
      const [receipt] = c.engine.fleet.receipts(runId);
      expect(receipt).toMatchObject({ result: 'pass', worker_id: 'w1' });
      const artifacts = receipt!.artifacts as Array<{ kind: string; path: string }>;
      const log = fs.readFileSync(artifacts.find((a) => a.kind === 'log')!.path, 'utf8');
      // The agent ran in the container's copy and called the gateway on a forwarded port, not the gateway's own.
      const m = /gateway http:\/\/127\.0\.0\.1:(\d+)\/mcp\/\S+ in \/shoal\/work/.exec(log);
      expect(m, log).not.toBeNull();
      // That port is the remote sshd's end of the reverse forward (still open while the core is).
      expect(execFileSync('ss', ['-Hltnp', `sport = :${m![1]}`], { encoding: 'utf8' })).toContain('sshd');
      // Checked against the sums the container took before it ended.
      expect(log).toContain('shoal: artifacts brought back: report.json');
      expect(log).not.toContain('artifacts not checked');
      const patch = fs.readFileSync(artifacts.find((a) => a.kind === 'patch')!.path, 'utf8');
      expect(patch).toContain('approved.txt');
      expect(patch).toContain('+more');
      expect(JSON.parse(fs.readFileSync(artifacts.find((a) => a.kind === 'report')!.path, 'utf8'))).toEqual({ ok: true });
      expect(git(repo, 'show', `shoal/${runId}/ask:approved.txt`)).toBe('yes');
      // The copy in the container is a repository at the task's base commit, clean before the agent wrote.
      expect(git(repo, 'show', `shoal/${runId}/ask:head.txt`)).toBe(git(repo, 'rev-parse', 'HEAD'));
      expect(git(repo, 'show', `shoal/${runId}/ask:status.txt`).split('\n').sort()).toEqual(['?? approved.txt', '?? head.txt', '?? status.txt']);
      const phases = eventsOf(c, runId).filter((e) => e.state === 'running_tool').map((e) => `${(e.extra as Record<string, unknown>).kind}:${(e.extra as Record<string, unknown>).phase}`);
      expect(phases).toEqual(['tool:precheck', 'approval:requested', 'approval:approved', 'tool:dispatching', 'tool:completed']);
    });

    it('a dropped SSH connection mid-attempt: the container is ended once the host answers again', async () => {
      const c = makeCore();
      KnownHosts.inDataDir(c.dataDir).pin(`127.0.0.1:${hosts.sshd.port}`, hosts.sshd.fingerprint);
      const marker = `sleep 43.${process.pid % 1000}`;
      const runId = launch(c, {
        name: 'docker-ssh-drop',
        worker_specs: [{ id: 'w1', name: 'far container', host: { kind: 'docker', image: TEST_IMAGE } }],
        task_specs: [{ id: 'long', name: 'long', instructions: `${marker} & ${marker}; wait` }],
      });
      await waitFor('the agent running', () => processesMatching(marker).length >= 2, 60_000);
      // This test's sshd serves each connection in a child process of its own: ending those drops
      // Shoal's connection (the listener stays, so the next request logs in again).
      const sessions = childrenOf(hosts.sshd.pid);
      expect(sessions.length).toBeGreaterThan(0);
      for (const pid of sessions) process.kill(pid, 'SIGKILL');
      await waitFor('the container ended', () => processesMatching(marker).length === 0, 30_000);
      // … and removed: the test ending (its core closed) as soon as the container stopped left it
      // behind, Exited (137), in the daemon's storage, one more on every run of this test.
      const left = () => execFileSync('podman', ['--url', hosts.dockerApi.url, 'ps', '-a', '-q', '--filter', `label=shoal.run=${runId}`], { encoding: 'utf8' }).trim();
      await waitFor('the container removed', () => left() === '', 30_000);
    });
  });
});
