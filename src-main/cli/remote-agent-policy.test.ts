// Policy and cancel for remote agents, with real processes on loopback: a `shoal serve
// --agents-listen` control plane and a `shoal agent`. The agent's shell attempts go through its
// gateway, which asks the CONTROL PLANE's policy: a rule that only the control plane has (a user
// rule saved there) makes a command wait for a person, approved → it runs, denied → the attempt
// fails; a run's deny rule refuses without asking. A judgment for a lease the agent does not hold
// is refused. Cancelling a task or a run stops the agent's attempts at once, process groups killed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ControlMessage } from '../../src-shared/protocol/worker-protocol';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { runCli } from './test-support/cli';
import { launchOnAgents, mintToken, openRawAgent, query, rawHello, startAgent, startControlPlane, stop, trackProcs, uiCall, waitForRun } from './test-support/control-plane';
import { isAlive } from '../core/fleet/process-tree';

const track = trackProcs();

interface PendingApproval { id: string; runId: string; taskId: string; request: { command: string; cwd: string; matched_rule: string | null } }

async function pendingApprovals(db: string, dir: string): Promise<PendingApproval[]> {
  const r = await runCli(['approvals', '--json', '--db', db], { cwd: dir });
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as PendingApproval[];
}

function phases(db: string, runId: string, taskId: string): string[] {
  return query<{ body: string }>(db, `SELECT body FROM worker_events WHERE run_id = ? AND task_id = ? AND state = 'running_tool' ORDER BY seq`, runId, taskId)
    .map((r) => (JSON.parse(r.body) as { extra: { kind: string; phase: string } }).extra)
    .map((e) => `${e.kind}:${e.phase}`);
}

describe('remote agents: the control plane judges, and cancels', () => {
  it("an agent's tool calls are judged by the control plane's policy: ask waits for its approval, deny refuses", async () => {
    const dir = tempDir('shoal-remote-policy-');
    const db = path.join(dir, 'cp.db');
    const cp = track(await startControlPlane(db, dir, ['--heartbeat-seconds', '1']));
    // A rule only the control plane has: the agent has no settings of its own that could say so.
    await uiCall(cp.uiUrl, 'approvals.rules.save', { rule: { id: 'ask-touch', tool: 'exec_shell', prefix: 'touch', action: 'ask', note: 'asked on the control plane' }, isNew: true });
    const agentDir = path.join(dir, 'agent');
    const agent = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir)).token, agentDir, dir, ['--max-tasks', '3']));

    const runId = await launchOnAgents(cp.uiUrl, {
      name: 'judged remotely',
      task_specs: [
        { id: 'approve', name: 'approve', instructions: 'touch approved.txt', scorer: { kind: 'file_exists', path: 'approved.txt' }, retry_policy: { max_attempts: 1 } },
        { id: 'deny', name: 'deny', instructions: 'touch denied.txt', retry_policy: { max_attempts: 1 } },
        {
          id: 'refuse', name: 'refuse', instructions: 'cat /etc/hostname', retry_policy: { max_attempts: 1 },
          metadata: { policy: { rules: [{ id: 'no-cat', tool: 'exec_shell', prefix: 'cat', action: 'deny' }] } },
        },
      ],
    });
    // Shown by `shoal approvals --json` on the control plane's store, as any approval.
    await waitFor('both approvals on the control plane', () => query(db, `SELECT 1 FROM approvals WHERE run_id = ? AND status = 'pending'`, runId).length === 2, 30_000, 100);
    const pending = (await pendingApprovals(db, dir)).filter((a) => a.runId === runId);
    const byTask = Object.fromEntries(pending.map((a) => [a.taskId, a]));
    expect(byTask.approve!.request).toMatchObject({ command: 'touch approved.txt', matched_rule: 'tool=exec_shell command=touch' });
    // The command runs on the agent: the request names the agent's workdir.
    expect(byTask.approve!.request.cwd.startsWith(agentDir)).toBe(true);
    expect(byTask.deny!.request.command).toBe('touch denied.txt');

    // The attempts wait for the answer: nothing ran yet.
    expect(fs.existsSync(path.join(byTask.approve!.request.cwd, 'approved.txt'))).toBe(false);
    expect(query<{ state: string }>(db, `SELECT state FROM tasks WHERE run_id = ? AND task_id = 'approve'`, runId)[0]!.state).toBe('running_tool');
    await uiCall(cp.uiUrl, 'approvals.decide', { id: byTask.approve!.id, decision: 'approved' });
    await uiCall(cp.uiUrl, 'approvals.decide', { id: byTask.deny!.id, decision: 'denied' });

    expect(await waitForRun(db, runId)).toBe('failed');
    const states = Object.fromEntries(query<{ task_id: string; state: string }>(db, 'SELECT task_id, state FROM tasks WHERE run_id = ?', runId).map((t) => [t.task_id, t.state]));
    expect(states).toEqual({ approve: 'passed', deny: 'failed', refuse: 'failed' });
    expect(phases(db, runId, 'approve')).toEqual(['tool:precheck', 'approval:requested', 'approval:approved', 'tool:dispatching', 'tool:completed']);
    expect(phases(db, runId, 'deny')).toEqual(['tool:precheck', 'approval:requested', 'approval:denied']);
    expect(phases(db, runId, 'refuse')).toEqual(['tool:precheck', 'approval:denied']);
    // The deny rule refused without asking anyone; each ask made exactly one approval.
    const all = query<{ task_id: string; status: string }>(db, 'SELECT task_id, status FROM approvals WHERE run_id = ? ORDER BY task_id', runId);
    expect(all).toEqual([{ task_id: 'approve', status: 'approved' }, { task_id: 'deny', status: 'denied' }]);
    const failed = query<{ body: string }>(db, `SELECT body FROM worker_events WHERE run_id = ? AND task_id = 'deny' AND state = 'failed'`, runId);
    expect(JSON.parse(failed[0]!.body)).toMatchObject({ reason: 'agent exited with code 126' });
    expect(agent.err()).not.toMatch(/judg\w+ .* refused/);
    await stop(agent);
    await stop(cp);
  });

  // The workspace holds `s`, a symlink to secrets/: the agent's checkout has it too, and a read of
  // s/key.txt there is a read of secrets/key.txt. Only the agent can follow the link (the files are
  // on its machine); the control plane's rule judges where it lands.
  it('a path rule holds for a file the agent reaches through a symlink on its machine', async () => {
    const dir = tempDir('shoal-remote-link-');
    const db = path.join(dir, 'cp.db');
    const ws = path.join(dir, 'workspace');
    fs.mkdirSync(path.join(ws, 'secrets'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'secrets', 'key.txt'), 'do-not-leak\n');
    fs.writeFileSync(path.join(ws, 'README.md'), 'base\n');
    fs.symlinkSync('secrets', path.join(ws, 's'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ws, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'init');
    const cp = track(await startControlPlane(db, dir, ['--heartbeat-seconds', '1']));
    const agent = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir)).token, path.join(dir, 'agent'), dir));
    const policy = { rules: [{ id: 'no-secrets', tool: 'read_file', path: 'secrets/**', action: 'deny' }] };
    const runId = await launchOnAgents(cp.uiUrl, {
      name: 'through a link',
      task_specs: [
        { id: 'peek', name: 'peek', instructions: 'cat s/key.txt', retry_policy: { max_attempts: 1 }, metadata: { policy } },
        { id: 'readme', name: 'readme', instructions: 'cat README.md', retry_policy: { max_attempts: 1 }, metadata: { policy } },
      ],
    }, ws);
    expect(await waitForRun(db, runId)).toBe('failed');
    const states = Object.fromEntries(query<{ task_id: string; state: string }>(db, 'SELECT task_id, state FROM tasks WHERE run_id = ?', runId).map((t) => [t.task_id, t.state]));
    expect(states).toEqual({ peek: 'failed', readme: 'passed' });
    expect(phases(db, runId, 'peek')).toEqual(['tool:precheck', 'approval:denied']);
    const denied = query<{ body: string }>(db, `SELECT body FROM worker_events WHERE run_id = ? AND task_id = 'peek' AND state = 'running_tool' ORDER BY seq DESC LIMIT 1`, runId);
    expect((JSON.parse(denied[0]!.body) as { extra: { reason: string } }).extra.reason).toContain('resolves to "secrets/key.txt"');
    expect(agent.out() + agent.err()).not.toContain('do-not-leak');
    await stop(agent);
    await stop(cp);
  }, 120_000);

  it('refuses a judgment for a lease the agent does not hold, and tells it to stop', async () => {
    const dir = tempDir('shoal-remote-judge-fence-');
    const db = path.join(dir, 'cp.db');
    const cp = track(await startControlPlane(db, dir));
    const minted = await mintToken(db, dir);
    const { sock, messages } = await openRawAgent(cp.agentsUrl);
    const find = <K extends ControlMessage['type']>(type: K) => messages().find((f): f is Extract<ControlMessage, { type: K }> => f.type === type);
    try {
      sock.send(rawHello({ kind: 'join', token: minted.token }));
      await waitFor('welcome', () => find('welcome'));
      const lease = { run_id: 'run-x', task_id: 't', attempt: 1, token: 'not-a-lease', inbox_seq: 1 };
      sock.send(JSON.stringify({ type: 'judge', id: 7, lease, call_id: 'c1', subject: { tool: 'exec_shell', command: 'touch x', cwd: '/tmp', diff: null }, agent_reason: null }));
      const verdict = await waitFor('the verdict', () => find('verdict'));
      expect(verdict).toMatchObject({ id: 7, allowed: false, interrupt: true });
      expect(verdict.type === 'verdict' && verdict.message).toContain('is not held by');
      expect(await waitFor('the stop', () => find('stop'))).toMatchObject({ lease });
      expect(query(db, 'SELECT id FROM approvals')).toEqual([]);
      expect(cp.err()).toMatch(/judgment of "touch x" refused/);
    } finally {
      sock.close();
    }
    await stop(cp);
  });

  it("cancelling a task, then its run, stops the agent's attempts promptly, their process groups killed", async () => {
    const dir = tempDir('shoal-remote-cancel-');
    const db = path.join(dir, 'cp.db');
    const cp = track(await startControlPlane(db, dir, ['--heartbeat-seconds', '1']));
    const agent = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir)).token, path.join(dir, 'agent'), dir, ['--max-tasks', '2']));
    const pidFile = (id: string) => path.join(dir, `${id}.pids`);
    const runId = await launchOnAgents(cp.uiUrl, {
      name: 'cancel me',
      task_specs: ['one', 'two'].map((id) => ({ id, name: id, instructions: `sleep 120 & echo "$$ $!" > ${pidFile(id)}; wait`, retry_policy: { max_attempts: 1 } })),
    });
    const started = (id: string) => waitFor(`task ${id} to start its commands`, () => {
      const text = fs.existsSync(pidFile(id)) ? fs.readFileSync(pidFile(id), 'utf8').trim() : '';
      return /^\d+ \d+$/.test(text) ? text.split(' ').map(Number) : null;
    }, 30_000, 100);
    const one = await started('one');
    const two = await started('two');
    expect([...one, ...two].every(isAlive)).toBe(true);
    const stateOf = (id: string) => query<{ state: string }>(db, 'SELECT state FROM tasks WHERE run_id = ? AND task_id = ?', runId, id)[0]?.state;

    // Each stop is pushed to the agent, which kills the attempt's process group and reports it
    // cancelled (not lost): the task ends cancelled, with nothing to retry.
    const stopped = async (what: string, pids: number[], id: string, cancel: () => Promise<unknown>): Promise<number> => {
      const at = Date.now();
      await cancel();
      await waitFor(`${what}'s commands to be gone`, () => !pids.some(isAlive), 10_000, 50);
      await waitFor(`task ${id} to be cancelled\n${agent.err()}`, () => stateOf(id) === 'cancelled', 10_000, 50);
      return Date.now() - at;
    };
    expect(await stopped('task one', one, 'one', () => uiCall(cp.uiUrl, 'tasks.cancel', { runId, taskId: 'one' }))).toBeLessThan(5_000);
    expect(two.every(isAlive)).toBe(true);
    expect(stateOf('two')).not.toBe('cancelled');
    expect(await stopped('the run', two, 'two', () => uiCall(cp.uiUrl, 'runs.cancel', { runId }))).toBeLessThan(5_000);
    expect(await waitForRun(db, runId, 5_000)).toBe('cancelled');
    const cancelled = query<{ task_id: string; body: string }>(db, `SELECT task_id, body FROM worker_events WHERE run_id = ? AND state = 'cancelled' ORDER BY task_id`, runId);
    expect(cancelled.map((r) => [r.task_id, (JSON.parse(r.body) as { cancelled_by?: string }).cancelled_by])).toEqual([['one', 'user'], ['two', 'user']]);
    expect(agent.err()).toMatch(/cancelled by user; stopping it/);
    await stop(agent);
    await stop(cp);
  });
});
