// The fleet engine end to end on this computer: real SQLite file, real bash agents, real git.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ShoalCore } from '../shoal';
import { git, initRepo } from '../test-support/git-repo';
import { eventsOf, launch, tempDir } from '../test-support/temp-core';
import { isAlive } from './process-tree';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';

const makeCore = useCores();
const core = (opts: Parameters<typeof makeCore>[0] = {}): ShoalCore => makeCore(opts);

function expectContiguous(events: Array<Record<string, unknown>>): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
}

describe('fleet engine', () => {
  it('runs a spec to verified receipts with a gap-free timeline', async () => {
    const c = core();
    const runId = launch(c, {
      name: 'hello',
      task_specs: [
        { id: 'a', name: 'A', instructions: 'echo hello' },
        { id: 'b', name: 'B', instructions: 'echo made > out.txt', scorer: { kind: 'file_exists', path: 'out.txt' } },
      ],
    });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const receipts = c.engine.fleet.receipts(runId);
    expect(receipts.map((r) => [r.task_id, r.result])).toEqual(expect.arrayContaining([['a', 'pass'], ['b', 'pass']]));
    const events = eventsOf(c, runId);
    expectContiguous(events);
    const statesA = events.filter((e) => e.task_id === 'a').map((e) => e.state);
    expect(statesA.slice(0, 4)).toEqual(['queued', 'leased', 'starting', 'running']);
    expect(statesA).toContain('artifact');
    expect(statesA[statesA.length - 1]).toBe('completed');
    const log = receipts.find((r) => r.task_id === 'a')!.artifacts as Array<Record<string, unknown>>;
    const logRef = log.find((a) => a.kind === 'log')!;
    expect(fs.readFileSync(String(logRef.path), 'utf8')).toContain('hello');
    expect(String(logRef.checksum)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(logRef.mime_type).toBe('text/plain');
    const run = c.runsView.get(runId)!;
    expect([run.total, run.passed, run.failed]).toEqual([2, 2, 0]);
  });

  it('retries a failure with backoff and passes on the second attempt', async () => {
    const c = core();
    const runId = launch(c, {
      name: 'flaky',
      task_specs: [{
        id: 'flaky', name: 'flaky', instructions: 'if [ "$SHOAL_ATTEMPT" = "1" ]; then exit 3; fi; echo ok',
        retry_policy: { max_attempts: 3, initial_backoff_seconds: 1 },
      }],
    });
    const t0 = Date.now();
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000); // the backoff was honoured
    const receipts = c.engine.fleet.receipts(runId);
    expect(receipts.map((r) => r.result)).toEqual(['fail', 'pass']);
    const events = eventsOf(c, runId);
    expectContiguous(events);
    const failed = events.find((e) => e.state === 'failed')!;
    expect(failed).toMatchObject({ recoverable: true, reason: 'agent exited with code 3' });
    expect(events.find((e) => e.state === 'restarted')).toMatchObject({ restart_count: 1 });
    expect(c.runsView.tasks(runId)[0]).toMatchObject({ state: 'passed', attempts: 2 });
  });

  it('fails for good after the last attempt', async () => {
    const c = core();
    const runId = launch(c, { name: 'bad', task_specs: [{ id: 'x', name: 'x', instructions: 'exit 1', retry_policy: { max_attempts: 2, initial_backoff_seconds: 0 } }] });
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    expect(c.engine.fleet.receipts(runId).map((r) => r.result)).toEqual(['fail', 'fail']);
    const last = eventsOf(c, runId).filter((e) => e.state === 'failed').pop();
    expect(last).toMatchObject({ recoverable: false });
  });

  it('ends an agent that runs past timeout_seconds, tree and all', async () => {
    const c = core();
    const pidFile = path.join(tempDir(), 'pid');
    const runId = launch(c, {
      name: 'slow',
      task_specs: [{ id: 's', name: 's', instructions: `sleep 30 & echo $! > ${pidFile}; wait`, timeout_seconds: 1, retry_policy: { max_attempts: 1 } }],
    });
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    expect(c.engine.fleet.receipts(runId)[0]).toMatchObject({ result: 'timeout' });
    expect(c.runsView.tasks(runId)[0]!.state).toBe('timeout');
    const child = Number(fs.readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(child)).toBe(false);
  });

  it('scores with regex_match, json_path and file_exists', async () => {
    const c = core();
    const runId = launch(c, {
      name: 'scorers',
      task_specs: [
        { id: 're-pass', name: 'r', instructions: 'echo "tests: 12 passed" > r.txt', scorer: { kind: 'regex_match', path: 'r.txt', pattern: 'tests: \\d+ passed' } },
        { id: 're-fail', name: 'r', instructions: 'echo "tests: 1 failed" > r.txt', scorer: { kind: 'regex_match', path: 'r.txt', pattern: 'passed' }, retry_policy: { max_attempts: 1 } },
        { id: 'jp-num', name: 'j', instructions: 'echo \'{"cov":{"pct":87.5}}\' > c.json', scorer: { kind: 'json_path', path: 'c.json', expression: '$.cov.pct' } },
        { id: 'jp-false', name: 'j', instructions: 'echo \'{"ok":false}\' > c.json', scorer: { kind: 'json_path', path: 'c.json', expression: '$.ok' }, retry_policy: { max_attempts: 1 } },
        { id: 'fe-missing', name: 'f', instructions: 'true', scorer: { kind: 'file_exists', path: 'nope.txt' }, retry_policy: { max_attempts: 1 } },
      ],
    });
    await c.engine.waitForRun(runId);
    const byTask = Object.fromEntries(c.engine.fleet.receipts(runId).map((r) => [r.task_id, r]));
    expect(byTask['re-pass']!.result).toBe('pass');
    expect(byTask['re-fail']!.result).toBe('fail');
    expect(byTask['jp-num']).toMatchObject({ result: 'pass', score: { value: 87.5 } });
    expect(byTask['jp-false']!.result).toBe('fail');
    expect(byTask['fe-missing']).toMatchObject({ result: 'fail', score: { notes: 'nope.txt does not exist' } });
  });

  it('holds a manual task in review until a person decides', async () => {
    const c = core();
    const runId = launch(c, { name: 'review', task_specs: [{ id: 'm', name: 'm', instructions: 'echo draft > d.md', scorer: { kind: 'manual' } }] });
    await c.engine.waitForRun(runId, { untilIdle: true });
    expect(c.runsView.tasks(runId)[0]!.state).toBe('review');
    expect(c.runsView.get(runId)).toMatchObject({ status: 'running', review: 1 });
    expect(c.engine.fleet.receipts(runId)).toEqual([]);
    expect(c.engine.decideReview(runId, 'm', true, 'looks right')).toBe(true);
    expect(c.engine.decideReview(runId, 'm', true)).toBe(false); // decided once
    expect(c.runsView.get(runId)).toMatchObject({ status: 'completed', review: 0, passed: 1 });
    const [receipt] = c.engine.fleet.receipts(runId);
    expect(receipt).toMatchObject({ result: 'pass', score: { value: 1, max: 1, notes: 'looks right' } });
    expect((receipt!.artifacts as unknown[]).length).toBeGreaterThan(0);
  });

  it('runs each task in its own git worktree and keeps a patch and a branch', async () => {
    const repo = initRepo({ 'README.md': 'original\n' });
    const c = core();
    const runId = launch(c, {
      id: 'wt-run', name: 'worktrees',
      task_specs: [{ id: 'edit', name: 'edit', instructions: 'echo changed >> README.md && echo new > NEW.txt && git rev-parse --abbrev-ref HEAD' }],
    }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const receipt = c.engine.fleet.receipts(runId)[0]!;
    const patch = (receipt.artifacts as Array<Record<string, unknown>>).find((a) => a.kind === 'patch')!;
    const text = fs.readFileSync(String(patch.path), 'utf8');
    expect(text).toContain('+changed');
    expect(text).toContain('NEW.txt');
    expect(patch.mime_type).toBe('text/x-diff');
    const log = (receipt.artifacts as Array<Record<string, unknown>>).find((a) => a.kind === 'log')!;
    expect(fs.readFileSync(String(log.path), 'utf8')).toContain('shoal/wt-run/edit');
    expect(git(repo, 'log', '--format=%s', 'shoal/wt-run/edit', '-1')).toBe('shoal: edit (attempt 1)');
    expect(fs.readFileSync(path.join(repo, 'README.md'), 'utf8')).toBe('original\n'); // the checkout is untouched
  });

  it('cancel stops running agents and drops queued tasks', async () => {
    const c = core({ maxWorkers: 1 });
    const pidFile = path.join(tempDir(), 'pid');
    const runId = launch(c, {
      name: 'cancel me',
      task_specs: [
        { id: 'long', name: 'long', instructions: `echo $$ > ${pidFile}; exec sleep 30` },
        { id: 'later', name: 'later', instructions: 'echo never' },
      ],
    });
    while (!fs.existsSync(pidFile) || fs.readFileSync(pidFile, 'utf8').trim() === '') await new Promise((r) => setTimeout(r, 20));
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(c.engine.cancelRun(runId)).toBe(true);
    // The run is cancelled at once; its running attempt ends when its agent has been stopped.
    expect(await c.engine.waitForRun(runId, { untilIdle: true })).toBe('cancelled');
    await waitFor('the agent to be stopped', () => !isAlive(pid) && c.runsView.tasks(runId).every((t) => t.state === 'cancelled'), 10_000);
    const states = Object.fromEntries(c.runsView.tasks(runId).map((t) => [t.taskId, t.state]));
    expect(states).toEqual({ long: 'cancelled', later: 'cancelled' });
    expect(c.engine.fleet.receipts(runId).map((r) => r.result)).toEqual(['skip']);
    const cancelled = eventsOf(c, runId).filter((e) => e.state === 'cancelled');
    expect(cancelled.map((e) => e.cancelled_by)).toEqual(['user', 'user']);
    expectContiguous(eventsOf(c, runId));
  });

  it('leases higher priority first and reports tasks no worker can take', async () => {
    const c = core({ maxWorkers: 1 });
    const runId = launch(c, {
      name: 'prio',
      task_specs: [
        { id: 'low', name: 'low', instructions: 'true', metadata: { priority: -1 } },
        { id: 'high', name: 'high', instructions: 'true', metadata: { priority: 5 } },
        { id: 'mid', name: 'mid', instructions: 'true' },
        { id: 'gpu', name: 'gpu', instructions: 'true', metadata: { requires: ['gpu'] } },
      ],
    });
    expect(await c.engine.waitForRun(runId, { untilIdle: true })).toBe('running');
    const leased = eventsOf(c, runId).filter((e) => e.state === 'leased').map((e) => e.task_id);
    expect(leased).toEqual(['high', 'mid', 'low']);
    const gpu = c.runsView.tasks(runId).find((t) => t.taskId === 'gpu')!;
    expect(gpu.state).toBe('queued');
    expect(gpu.unplaceable).toMatch(/no worker offers "gpu"/);
  });

  it('runs what it can even when tasks nobody can take are first in the queue', async () => {
    const c = core({ maxWorkers: 2 });
    const gpu = Array.from({ length: 12 }, (_, i) => ({ id: `g${i}`, name: `g${i}`, instructions: 'true', metadata: { priority: 10, requires: ['gpu'] } }));
    const runId = launch(c, { name: 'behind', task_specs: [...gpu, { id: 'plain', name: 'plain', instructions: 'true' }] });
    expect(await c.engine.waitForRun(runId, { untilIdle: true })).toBe('running');
    expect(c.engine.fleet.receipts(runId).map((r) => [r.task_id, r.result])).toEqual([['plain', 'pass']]);
    expect(c.runsView.tasks(runId).filter((t) => t.unplaceable)).toHaveLength(12);
  });

  it('pauses and resumes a run', async () => {
    const c = core({ maxWorkers: 1 });
    const runId = launch(c, { name: 'p', task_specs: [{ id: 'one', name: '1', instructions: 'sleep 0.3' }, { id: 'two', name: '2', instructions: 'true' }] });
    expect(c.engine.pauseRun(runId)).toBe(true);
    await new Promise((r) => setTimeout(r, 700));
    const states = c.runsView.tasks(runId).map((t) => t.state);
    expect(states.filter((s) => s === 'queued').length).toBeGreaterThanOrEqual(1);
    expect(c.runsView.get(runId)!.status).toBe('paused');
    expect(c.engine.resumeRun(runId)).toBe(true);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
  });

  it('heartbeats carry cpu and memory of the agent tree', async () => {
    const c = core({ heartbeatMs: 150 });
    const runId = launch(c, { name: 'hb', task_specs: [{ id: 'burn', name: 'burn', instructions: 'end=$((SECONDS+2)); while [ $SECONDS -lt $end ]; do :; done' }] });
    await c.engine.waitForRun(runId);
    const beats = eventsOf(c, runId).filter((e) => e.state === 'heartbeat');
    expect(beats.length).toBeGreaterThanOrEqual(3);
    expect(beats.some((b) => typeof b.memory_mb === 'number' && Number(b.memory_mb) >= 0)).toBe(true);
    expect(Math.max(...beats.map((b) => Number(b.cpu_percent ?? 0)))).toBeGreaterThan(20);
    const w = c.workersView.list().find((x) => x.id === 'local')!;
    expect(w.lastHeartbeatAt).not.toBeNull();
  });
});

describe('task rows', () => {
  it('show the attempts a task really gets: the seed default without a policy, one more after "retry now"', async () => {
    const c = core();
    const runId = launch(c, {
      name: 'attempts',
      task_specs: [
        { id: 'plain', name: 'p', instructions: 'true' },
        { id: 'once', name: 'o', instructions: 'exit 1', retry_policy: { max_attempts: 1 }, scorer: { kind: 'file_exists', path: 'x' } },
      ],
    });
    await c.engine.waitForRun(runId);
    expect(c.runsView.tasks(runId).map((t) => t.scorer)).toEqual(['exit_code', 'file_exists']);
    const rows = () => Object.fromEntries(c.runsView.tasks(runId).map((t) => [t.taskId, t.maxAttempts]));
    expect(rows()).toEqual({ plain: 3, once: 1 });
    expect(c.engine.retryTask(runId, 'once')).toBe(true);
    expect(rows().once).toBe(2);
  });
});
