// One driver conformance suite, the same cases against every host kind: local (this computer), SSH
// (a real OpenSSH server on 127.0.0.1 started by the test) and Docker (podman's Docker API, started
// by the test: on a local socket, over tcp://, and behind that sshd as ssh://). Each case runs a
// real run through the engine: start, stream, artifacts and the patch back as a branch, cancel and
// timeout ending the agent's whole tree.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShoalCore } from '../shoal';
import { git, initRepo } from '../test-support/git-repo';
import { startDockerApi, TEST_IMAGE, type TestDockerApi } from '../test-support/docker-api';
import { startSshAgent, type TestSshAgent } from '../test-support/ssh-agent';
import { startSshd, type TestSshd } from '../test-support/sshd';
import { eventsOf, launch } from '../test-support/temp-core';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import { approvalView } from '../api/handlers/approvals';
import { TaskView } from '../views/task-view';
import { parseHostRef } from './host-ref';
import { KnownHosts } from './ssh/host-keys';
import { remoteWorkdir } from './ssh/pgid-markers';
import { processesMatching, processesRunning } from '../test-support/processes';

const makeCore = useCores();

interface HostSetup {
  name: string;
  kind: 'local' | 'ssh' | 'docker';
  up(): void | Promise<void>;
  down(): void;
  /** The worker spec a run declares to run there. */
  worker(): Record<string, unknown>;
  /** Where the agent's working directory is, when not the local worktree's own path. */
  workdirInside?: string;
  /** Called on each new core before launching (pins host keys, ...). */
  prepare(core: ShoalCore): void;
}

let sshd: TestSshd | null = null;
let dockerApi: TestDockerApi | null = null;
let sshAgent: TestSshAgent | null = null;
const savedDockerHost = process.env.DOCKER_HOST;
const savedAuthSock = process.env.SSH_AUTH_SOCK;
const setups: HostSetup[] = [
  { name: 'local', kind: 'local', up() {}, down() {}, worker: () => ({ id: 'w1', name: 'here', host: { kind: 'local' }, max_concurrent_tasks: 2 }), prepare() {} },
  {
    name: 'ssh',
    kind: 'ssh',
    up() {
      sshd = startSshd();
    },
    down() {
      sshd?.stop();
    },
    worker: () => ({ id: 'w1', name: 'ssh box', host: { kind: 'ssh', host: '127.0.0.1', port: sshd!.port, user: sshd!.user, identity: sshd!.identity }, max_concurrent_tasks: 2 }),
    prepare(core) {
      KnownHosts.inDataDir(core.dataDir).pin(`127.0.0.1:${sshd!.port}`, sshd!.fingerprint);
    },
  },
  {
    // A user whose login shell is dash (Debian's /bin/sh, common for service accounts): every
    // command Shoal runs there must be POSIX sh, not bash.
    name: 'ssh, dash login shell',
    kind: 'ssh',
    up() {
      sshd = startSshd(undefined, { shell: '/bin/dash' });
    },
    down() {
      sshd?.stop();
    },
    worker: () => ({ id: 'w1', name: 'dash box', host: { kind: 'ssh', host: '127.0.0.1', port: sshd!.port, user: sshd!.user, identity: sshd!.identity }, max_concurrent_tasks: 2 }),
    prepare(core) {
      KnownHosts.inDataDir(core.dataDir).pin(`127.0.0.1:${sshd!.port}`, sshd!.fingerprint);
    },
  },
  {
    name: 'docker',
    kind: 'docker',
    up() {
      dockerApi = startDockerApi();
      process.env.DOCKER_HOST = dockerApi.url; // how a person points Shoal at a daemon
    },
    down() {
      if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = savedDockerHost;
      dockerApi?.stop();
    },
    worker: () => ({ id: 'w1', name: 'container', host: { kind: 'docker', image: TEST_IMAGE }, max_concurrent_tasks: 2 }),
    prepare() {},
  },
  {
    // A daemon reached over tcp:// is treated as remote: no bind mounts, the worktree is copied in
    // and the result copied out.
    name: 'docker over tcp (copy in and out)',
    kind: 'docker',
    workdirInside: '/shoal/work',
    up() {
      dockerApi = startDockerApi(undefined, { tcp: true });
      process.env.DOCKER_HOST = dockerApi.url;
    },
    down() {
      if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = savedDockerHost;
      dockerApi?.stop();
    },
    worker: () => ({ id: 'w1', name: 'remote container', host: { kind: 'docker', image: TEST_IMAGE }, max_concurrent_tasks: 2 }),
    prepare() {},
  },
  {
    // A daemon on "another machine" reached over ssh:// (the sshd here, podman's socket behind it),
    // logged into with the key in the user's ssh-agent: copies in and out, and the gateway
    // reverse-forwarded over the same SSH connection.
    name: 'docker over ssh (copy in and out, gateway forwarded)',
    kind: 'docker',
    workdirInside: '/shoal/work',
    async up() {
      sshd = startSshd();
      dockerApi = startDockerApi();
      sshAgent = await startSshAgent(sshd.identity);
      process.env.SSH_AUTH_SOCK = sshAgent.socket;
      process.env.DOCKER_HOST = `ssh://${sshd.user}@127.0.0.1:${sshd.port}${dockerApi.url.replace(/^unix:\/\//, '')}`;
    },
    down() {
      restoreEnv('DOCKER_HOST', savedDockerHost);
      restoreEnv('SSH_AUTH_SOCK', savedAuthSock);
      sshAgent?.stop();
      sshd?.stop();
      dockerApi?.stop();
    },
    worker: () => ({ id: 'w1', name: 'far container', host: { kind: 'docker', image: TEST_IMAGE }, max_concurrent_tasks: 2 }),
    prepare(core) {
      KnownHosts.inDataDir(core.dataDir).pin(`127.0.0.1:${sshd!.port}`, sshd!.fingerprint);
    },
  },
];

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** Why a run's attempts ended as they did (each attempt's state and reason, the task's last error):
 *  the message of an assertion on a receipt, so a failure on a loaded machine says its cause. */
function whyOf(core: ShoalCore, runId: string): string {
  const ro = new Database(core.store.path, { readonly: true });
  try {
    const attempts = ro.prepare('SELECT task_id, attempt, state, result, reason FROM attempts WHERE run_id = ? ORDER BY task_id, attempt').all(runId);
    const tasks = ro.prepare('SELECT task_id, state, last_error FROM tasks WHERE run_id = ?').all(runId);
    return JSON.stringify({ attempts, tasks });
  } finally {
    ro.close();
  }
}

function hostRefOf(core: ShoalCore, runId: string): Record<string, unknown> | null {
  const ro = new Database(core.store.path, { readonly: true });
  try {
    const row = ro.prepare('SELECT host_ref FROM attempts WHERE run_id = ? ORDER BY attempt LIMIT 1').get(runId) as { host_ref: string | null };
    return parseHostRef(row.host_ref);
  } finally {
    ro.close();
  }
}

/** Where a worker of each kind is, as the approval dialog and the task view say it. */
const WHERE = { local: /^this computer$/, ssh: /^ssh \S+@127\.0\.0\.1:\d+$/, docker: /^docker / } as const;

describe.each(setups)('host driver conformance: $name', (setup) => {
  beforeAll(async () => setup.up(), 120_000);
  afterAll(() => setup.down());

  const core = (): ShoalCore => {
    const c = makeCore();
    setup.prepare(c);
    return c;
  };

  it('starts the agent, streams its output, brings artifacts and the patch back as a branch', async () => {
    const c = core();
    const repo = initRepo({ 'README.md': 'base\n' });
    const runId = launch(c, {
      name: `conf-${setup.kind}`,
      worker_specs: [setup.worker()],
      task_specs: [{
        id: 'edit', name: 'edit',
        instructions: 'echo "hello from the agent in $PWD"; echo changed > new.txt; echo more >> README.md; echo \'{"ok":true}\' > "$SHOAL_ARTIFACTS_DIR/report.json"',
        scorer: { kind: 'file_exists', path: 'new.txt' },
        expected_artifacts: ['report'],
      }],
    }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const [receipt] = c.engine.fleet.receipts(runId);
    expect(receipt, whyOf(c, runId)).toMatchObject({ result: 'pass', worker_id: 'w1' });
    // The task view says which worker it ran on and where that is.
    expect(new TaskView(c.store).get(runId, 'edit')!.worker).toEqual({ name: setup.worker().name, where: expect.stringMatching(WHERE[setup.kind]) });
    const artifacts = receipt!.artifacts as Array<{ kind: string; path: string; checksum: string }>;
    const log = fs.readFileSync(artifacts.find((a) => a.kind === 'log')!.path, 'utf8');
    expect(log).toContain('hello from the agent');
    if (setup.workdirInside) expect(log).toContain(`hello from the agent in ${setup.workdirInside}`);
    const patch = fs.readFileSync(artifacts.find((a) => a.kind === 'patch')!.path, 'utf8');
    expect(patch).toContain('new.txt');
    expect(patch).toContain('+more');
    const report = artifacts.find((a) => a.kind === 'report')!;
    expect(JSON.parse(fs.readFileSync(report.path, 'utf8'))).toEqual({ ok: true });
    expect(report.checksum).toMatch(/^sha256:/);
    // The result is a branch in the local repository; the user's checkout is untouched.
    expect(git(repo, 'show', `shoal/${runId}/edit:new.txt`)).toBe('changed');
    expect(fs.existsSync(`${repo}/new.txt`)).toBe(false);
    expect(hostRefOf(c, runId)).toMatchObject({ kind: setup.kind });
    // A container is recorded with the daemon it ran on, resolved: a later DOCKER_HOST cannot redirect its reap.
    if (setup.kind === 'docker') expect(hostRefOf(c, runId)).toMatchObject({ dockerHost: process.env.DOCKER_HOST });
    const states = eventsOf(c, runId).map((e) => e.state);
    expect(states).toEqual(expect.arrayContaining(['leased', 'starting', 'running', 'artifact', 'completed']));
  });

  it('heartbeats carry the host\'s usage figures, sampled by the supervisor through the driver', async () => {
    const c = core();
    const runId = launch(c, {
      name: 'beat', worker_specs: [setup.worker()],
      task_specs: [{ id: 'busy', name: 'busy', instructions: 'head -c 30000000 /dev/zero | gzip -c > /dev/null; sleep 1' }],
    }, null);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const beats = eventsOf(c, runId).filter((e) => e.state === 'heartbeat' && typeof e.cpu_percent === 'number');
    expect(beats.length).toBeGreaterThan(0);
    for (const b of beats) expect(b.memory_mb).toEqual(expect.any(Number));
    // An SSH host reports the machine's memory in use, far more than one shell's few megabytes.
    if (setup.kind === 'ssh') expect(Math.max(...beats.map((b) => b.memory_mb as number))).toBeGreaterThan(64);
  });

  it('an approval round trip from inside the attempt: it waits for a person, then continues', async () => {
    const c = core();
    const repo = initRepo({ 'README.md': 'base\n' });
    const runId = launch(c, {
      name: `approve-${setup.kind}`, worker_specs: [setup.worker()],
      task_specs: [{
        id: 'ask', name: 'ask', retry_policy: { max_attempts: 1 },
        instructions: 'echo "needs a person" && echo "it said \\"yes\\"" > approved.txt',
        scorer: { kind: 'file_exists', path: 'approved.txt' },
        metadata: { policy: { rules: [{ id: 'ask-echo', tool: 'exec_shell', prefix: 'echo "needs a person"', action: 'ask' }] } },
      }],
    }, repo);
    const pending = await waitFor('the approval request', () => c.approvals.pending().find((a) => a.runId === runId), 30_000);
    expect(pending.request.command).toContain('needs a person');
    // The person sees which worker the command would run on, and where that is.
    expect(approvalView(c, pending).runsOn).toEqual({ name: setup.worker().name, where: expect.stringMatching(WHERE[setup.kind]) });
    // The attempt waits while nobody answers.
    await new Promise((r) => setTimeout(r, 700));
    expect(c.engine.fleet.receipts(runId)).toHaveLength(0);
    expect(c.approvals.decide(pending.id, 'approved', 'you').changed).toBe(true);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    expect(c.engine.fleet.receipts(runId)[0]).toMatchObject({ result: 'pass' });
    expect(git(repo, 'show', `shoal/${runId}/ask:approved.txt`)).toBe('it said "yes"');
    const phases = eventsOf(c, runId).filter((e) => e.state === 'running_tool').map((e) => `${(e.extra as Record<string, unknown>).kind}:${(e.extra as Record<string, unknown>).phase}`);
    expect(phases).toEqual(['tool:precheck', 'approval:requested', 'approval:approved', 'tool:dispatching', 'tool:completed']);
  });

  it('a path rule holds for a file the agent names by its absolute path there', async () => {
    const c = core();
    const repo = initRepo({ 'README.md': 'base\n', 'secrets/key.txt': 'do-not-leak\n' });
    const runId = `abs-path-${setup.name.replace(/[^a-z]+/g, '-')}`;
    // The workdir as the agent sees it: the worktree itself here (and in a container that mounts
    // it), Shoal's folder on an SSH host, the copy's folder in a container on another machine.
    const where = setup.workdirInside ?? (setup.kind === 'ssh' ? remoteWorkdir(sshd!.shoalRoot, { runId, taskId: 'peek', attempt: 1 }) : path.join(c.dataDir, 'workdirs', runId, 'peek-1'));
    launch(c, {
      id: runId, name: `abs-${setup.kind}`, worker_specs: [setup.worker()],
      task_specs: [{
        id: 'peek', name: 'peek', retry_policy: { max_attempts: 1 }, instructions: `cat ${where}/secrets/key.txt`,
        metadata: { policy: { rules: [{ id: 'no-secrets', tool: 'read_file', path: 'secrets/**', action: 'deny' }] } },
      }],
    }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    const tool = eventsOf(c, runId).filter((e) => e.state === 'running_tool').map((e) => e.extra as Record<string, unknown>);
    expect(tool.map((e) => `${String(e.kind)}:${String(e.phase)}`)).toEqual(['tool:precheck', 'approval:denied']);
    expect(tool[1]).toMatchObject({ reason: expect.stringContaining('secrets/**') });
    const [receipt] = c.engine.fleet.receipts(runId);
    expect(receipt).toMatchObject({ result: 'fail' });
    const log = (receipt!.artifacts as Array<{ kind: string; path: string }>).find((a) => a.kind === 'log')!;
    expect(fs.readFileSync(log.path, 'utf8')).not.toContain('do-not-leak');
  });

  // `s` is a symlink to `secrets` in the repository itself: it lands on the host with the code, and
  // a read of s/key.txt is a read of secrets/key.txt however the host names the workdir. A link to
  // a file no rule is about arrives as a link too, and reads as its target.
  it('a path rule holds for a file the agent reaches through a symlink there', async () => {
    const c = core();
    const repo = initRepo({ 'README.md': 'base\n', 'secrets/key.txt': 'do-not-leak\n' });
    fs.symlinkSync('secrets', path.join(repo, 's'));
    fs.symlinkSync('README.md', path.join(repo, 'readme-link'));
    git(repo, 'add', 's', 'readme-link');
    git(repo, 'commit', '-q', '-m', 'links');
    const runId = `link-${setup.name.replace(/[^a-z]+/g, '-')}`;
    const policy = { rules: [{ id: 'no-secrets', tool: 'read_file', path: 'secrets/**', action: 'deny' }] };
    launch(c, {
      id: runId, name: `link-${setup.kind}`, worker_specs: [setup.worker()],
      task_specs: [
        { id: 'peek', name: 'peek', retry_policy: { max_attempts: 1 }, instructions: 'cat s/key.txt', metadata: { policy } },
        { id: 'readme', name: 'readme', retry_policy: { max_attempts: 1 }, instructions: 'test -L readme-link && cat readme-link', metadata: { policy } },
      ],
    }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    const tool = eventsOf(c, runId).filter((e) => e.state === 'running_tool' && e.task_id === 'peek').map((e) => e.extra as Record<string, unknown>);
    expect(tool.map((e) => `${String(e.kind)}:${String(e.phase)}`)).toEqual(['tool:precheck', 'approval:denied']);
    expect(tool[1]).toMatchObject({ reason: expect.stringContaining('resolves to "secrets/key.txt"') });
    const receipts = c.engine.fleet.receipts(runId);
    const logOf = (taskId: string) => fs.readFileSync((receipts.find((r) => r.task_id === taskId)!.artifacts as Array<{ kind: string; path: string }>).find((a) => a.kind === 'log')!.path, 'utf8');
    expect(logOf('peek')).not.toContain('do-not-leak');
    expect(receipts.find((r) => r.task_id === 'readme')).toMatchObject({ result: 'pass' });
    expect(logOf('readme')).toContain('base');
  });

  it('cancel ends the agent and its whole tree', async () => {
    const c = core();
    const marker = `sleep 141.${process.pid % 1000}${setup.name.length}`; // far past the test's deadline: a cancel that did not work fails it
    const runId = launch(c, {
      name: 'cancel', worker_specs: [setup.worker()],
      task_specs: [{ id: 'long', name: 'long', instructions: `echo started; ${marker} & ${marker}; wait` }],
    });
    await waitFor('the agent running', () => processesMatching(marker).length >= 2, 20_000);
    expect(c.engine.cancelTask(runId, 'long')).toBe(true);
    expect(await c.engine.waitForRun(runId)).toBe('cancelled'); // its only task was cancelled
    expect(c.engine.fleet.receipts(runId)[0]).toMatchObject({ result: 'skip' });
    await waitFor('the agent tree gone', () => processesMatching(marker).length === 0, 10_000);
  });

  it('a timeout ends the agent and records the attempt as timed out', async () => {
    const c = core();
    const marker = `sleep 142.${process.pid % 1000}${setup.name.length}`;
    const runId = launch(c, {
      name: 'timeout', worker_specs: [setup.worker()],
      task_specs: [{ id: 'slow', name: 'slow', instructions: `${marker} & ${marker}; wait`, timeout_seconds: 1, retry_policy: { max_attempts: 1 } }],
    });
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    expect(c.engine.fleet.receipts(runId)[0]).toMatchObject({ result: 'timeout' });
    await waitFor('the agent tree gone', () => processesMatching(marker).length === 0, 10_000);
  });

  // A job the agent started in the background and left running: it goes when the agent exits. One
  // that let go of the agent's output would outlive the attempt; one that holds it would keep the
  // attempt open, past its timeout, until the job ended by itself.
  it('what the agent leaves running in the background ends with it', async () => {
    const c = core();
    const tag = `${process.pid % 1000}${setup.name.length}`;
    const [quiet, holding] = [`sleep 43.${tag}`, `sleep 47.${tag}`];
    const runId = launch(c, {
      name: 'leftovers', worker_specs: [setup.worker()],
      task_specs: [
        { id: 'quiet', name: 'quiet', instructions: `${quiet} >/dev/null 2>&1 & echo started` },
        { id: 'holding', name: 'holding', instructions: `${holding} & echo started`, timeout_seconds: 30 },
      ],
    });
    const t0 = Date.now();
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    expect(Date.now() - t0).toBeLessThan(25_000); // not held open to the timeout (or the job's 47 s)
    expect(c.engine.fleet.receipts(runId).map((r) => r.result)).toEqual(['pass', 'pass']);
    expect(processesRunning(quiet)).toEqual([]);
    expect(processesRunning(holding)).toEqual([]);
  });
});

// A job that left the agent's process group (setsid, as a daemon does) while holding the agent's
// output: the agent has exited, so the attempt must end and the job with it. It used to keep the
// attempt open until the job ended by itself, however long, and past any timeout too (the timeout
// signals the agent's group, which that job had left).
describe.each(setups)('host driver conformance: $name: a job that left the group', (setup) => {
  beforeAll(async () => setup.up(), 120_000);
  afterAll(() => setup.down());

  it('does not hold the attempt open, and ends with it', async () => {
    const c = makeCore();
    setup.prepare(c);
    const tag = `${process.pid % 1000}${setup.name.length}`;
    const [escaped, anonymous, quiet] = [`sleep 58.${tag}`, `sleep 55.${tag}`, `sleep 53.${tag}`];
    const runId = launch(c, {
      name: 'escaped', worker_specs: [setup.worker()],
      task_specs: [
        { id: 'escaped', name: 'escaped', instructions: `setsid ${escaped} & echo started`, retry_policy: { max_attempts: 1 } },
        // One that also dropped the attempt's environment cannot be told apart from a stranger's
        // process: it is not signalled, but the attempt no longer waits for the output it holds.
        { id: 'anonymous', name: 'anonymous', instructions: `setsid env -i /bin/${anonymous} & echo started`, retry_policy: { max_attempts: 1 } },
        // One that let go of the output too: nothing keeps the attempt open, and it must not outlive it.
        { id: 'quiet', name: 'quiet', instructions: `setsid ${quiet} </dev/null >/dev/null 2>&1 & echo started`, retry_policy: { max_attempts: 1 } },
      ],
    });
    const t0 = Date.now();
    try {
      expect(await c.engine.waitForRun(runId)).toBe('completed');
      expect(Date.now() - t0).toBeLessThan(40_000); // not held open by the jobs (58 s, 55 s)
      expect(c.engine.fleet.receipts(runId).map((r) => r.result)).toEqual(['pass', 'pass', 'pass']);
      await waitFor('the escaped job gone', () => processesRunning(escaped).length === 0, 5_000);
      await waitFor('the quiet escaped job gone', () => processesRunning(quiet).length === 0, 5_000);
    } finally {
      for (const pid of [...processesRunning(escaped), ...processesRunning(quiet), ...processesRunning(`/bin/${anonymous}`)]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
  }, 90_000);
});
