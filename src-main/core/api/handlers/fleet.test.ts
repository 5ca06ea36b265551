// The desktop experience's contract methods against a real core: real SQLite file, real bash agents,
// real git. Called through core.call, as both transports do (input validation included).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MethodInput, MethodName, MethodOutput, ServerEvent, TimelineBar } from '../../../../src-shared/contract';
import type { ShoalCore } from '../../shoal';
import { tempDir } from '../../test-support/temp-core';
import { initRepo } from '../../test-support/git-repo';
import { useCores } from '../../test-support/use-cores';
const gitRepo = () => initRepo({ 'README.md': '# demo\n' });

const makeCore = useCores();
const core = (opts: Parameters<typeof makeCore>[0] = {}, dir?: string): ShoalCore => makeCore(opts, { dir });

async function call<M extends MethodName>(c: ShoalCore, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await c.call(method, input, { transport: 'test' });
  if (!envelope.ok) throw Object.assign(new Error(envelope.error.message), { body: envelope.error });
  return envelope.value as MethodOutput<M>;
}

async function callError(c: ShoalCore, method: MethodName, input: unknown): Promise<{ code: string; message: string; issues?: string[] }> {
  const envelope = await c.call(method, input, { transport: 'test' });
  if (envelope.ok) throw new Error(`${method} succeeded; expected an error`);
  return envelope.error;
}

async function until<T>(fn: () => T | Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met in ${ms} ms; last value: ${JSON.stringify(v)?.slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const yaml = (lines: string[]) => lines.join('\n') + '\n';

describe('specs.validate and specs.launch', () => {
  it('places every problem on its task and creates nothing until the spec is valid', async () => {
    const c = core();
    const bad = yaml(['name: demo', 'task_specs:', '  - id: a', '    name: A', '    instructions: echo a', '  - id: b', '    name: B', '    instructions: ""', '    timeout_seconds: 0']);
    const check = await call(c, 'specs.validate', { text: bad, filename: 'demo.yaml' });
    expect(check.ok).toBe(false);
    expect(check.located).toEqual([
      { path: 'task_specs[1].instructions', message: 'empty; say what the agent should do', taskIndex: 1, line: 8 },
      { path: 'task_specs[1].timeout_seconds', message: 'must be at least 1 (leave it out for no timeout)', taskIndex: 1, line: 9 },
    ]);
    expect(check.outline.map((t) => t.id)).toEqual(['a', 'b']);
    const refused = await callError(c, 'specs.launch', { text: bad, filename: 'demo.yaml' });
    expect(refused.code).toBe('invalid_input');
    expect(refused.issues).toHaveLength(2);
    expect((await call(c, 'runs.list', { limit: 10 })).items).toEqual([]);

    const fixed = bad.replace('instructions: ""', 'instructions: echo b').replace('    timeout_seconds: 0\n', '');
    expect((await call(c, 'specs.validate', { text: fixed, filename: 'demo.yaml' })).ok).toBe(true);
    const { runId } = await call(c, 'specs.launch', { text: fixed, filename: 'demo.yaml' });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
  });

  it('checks the workspace folder the person typed', async () => {
    const c = core();
    const text = yaml(['task_specs:', '  - {id: a, name: A, instructions: echo a}']);
    const missing = await call(c, 'specs.validate', { text, filename: 'x.yaml', workspace: '/no/such/folder' });
    expect(missing.ok).toBe(false);
    expect(missing.issues).toContain('workspace: there is no folder at /no/such/folder');
    expect(missing.located.at(-1)).toMatchObject({ path: 'workspace', taskIndex: null, line: null });
    expect((await callError(c, 'specs.launch', { text, filename: 'x.yaml', workspace: '/no/such/folder' })).issues).toContain('workspace: there is no folder at /no/such/folder');
    const plain = await call(c, 'specs.validate', { text, filename: 'x.yaml', workspace: tempDir() });
    expect(plain.ok).toBe(true);
    expect(plain.warnings.join('\n')).toContain('not a git repository');
    const repo = gitRepo();
    const good = await call(c, 'specs.validate', { text, filename: 'x.yaml', workspace: repo });
    expect(good.preview?.workspace).toBe(repo);
  });

  it('flags a run id the store already has in the preview, on its `id:` line, before Launch refuses it', async () => {
    const c = core();
    const text = yaml(['id: nightly', 'name: demo', 'task_specs:', '  - {id: a, name: A, instructions: echo a}']);
    const { runId } = await call(c, 'specs.launch', { text, filename: 'n.yaml' });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const again = await call(c, 'specs.validate', { text, filename: 'n.yaml' });
    expect(again.ok).toBe(false);
    expect(again.located).toEqual([{ path: 'id', message: '"nightly" is already used by another run; give the spec a new id or leave id out', taskIndex: null, line: 1 }]);
    const refused = await callError(c, 'specs.launch', { text, filename: 'n.yaml' });
    expect(refused.code).toBe('invalid_input');
    expect(refused.issues).toEqual(['id: "nightly" is already used by another run; give the spec a new id or leave id out']);
    expect((await call(c, 'runs.list', { limit: 10 })).items.map((r) => r.id)).toEqual(['nightly']);
  });
});

describe('runs.get usage', () => {
  it('sums the tokens and known cost of the receipts that carry usage, and has none when no receipt does', async () => {
    const c = core();
    const text = yaml(['name: spend', 'task_specs:', '  - {id: a, name: A, instructions: echo a}', '  - {id: b, name: B, instructions: echo b}', '  - {id: c, name: C, instructions: echo c}']);
    const { runId } = await call(c, 'specs.launch', { text, filename: 'spend.yaml' });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    // Shell agents report no usage: the run has no total to show.
    expect((await call(c, 'runs.get', { runId })).usage).toBeNull();

    // What Claude (with a cost) and Codex (without) write on their receipts; task c stays a shell receipt.
    const setUsage = c.store.db.prepare<[string, string, string]>(`UPDATE receipts SET body = json_set(body, '$.usage', json(?)) WHERE run_id = ? AND task_id = ?`);
    setUsage.run(JSON.stringify({ input_tokens: 1000, cached_input_tokens: 400, output_tokens: 200, total_tokens: 1200, cost_usd: 0.0125 }), runId, 'a');
    setUsage.run(JSON.stringify({ input_tokens: 500, cached_input_tokens: 0, output_tokens: 50, total_tokens: 550, cost_usd: null }), runId, 'b');
    expect((await call(c, 'runs.get', { runId })).usage).toEqual({
      receipts: 2, input_tokens: 1500, cached_input_tokens: 400, output_tokens: 250, total_tokens: 1750, cost_usd: 0.0125, costReceipts: 1,
    });

    setUsage.run(JSON.stringify({ input_tokens: 500, cached_input_tokens: 0, output_tokens: 50, total_tokens: 550, cost_usd: 0.0075 }), runId, 'b');
    const usage = (await call(c, 'runs.get', { runId })).usage!;
    expect(usage.costReceipts).toBe(2);
    expect(usage.cost_usd).toBeCloseTo(0.02, 10);
  });
});

describe('runs.timeline', () => {
  it('draws retries as successive bars on the worker lane, and the queue draining', async () => {
    const c = core({ maxWorkers: 1 });
    const { runId } = await call(c, 'specs.launch', {
      text: JSON.stringify({
        name: 'tl', task_specs: [
          { id: 'flaky', name: 'Flaky', instructions: 'if [ "$SHOAL_ATTEMPT" = "1" ]; then exit 3; fi; echo ok', retry_policy: { max_attempts: 2, initial_backoff_seconds: 0 } },
          { id: 'slow', name: 'Slow', instructions: 'sleep 0.3; echo done' },
        ],
      }),
      filename: 'tl.json',
    });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const t = await call(c, 'runs.timeline', { runId });
    expect(t.full).toBe(true);
    expect(t.lanes).toEqual([{ id: 'local', name: expect.stringContaining('this computer') }]);
    const flaky = t.bars.filter((b) => b.taskId === 'flaky');
    expect(flaky.map((b) => [b.attempt, b.outcome])).toEqual([[1, 'failed'], [2, 'passed']]);
    expect(flaky[0]!.detail).toBe('agent exited with code 3');
    expect(flaky[1]!.start).toBeGreaterThanOrEqual(flaky[0]!.end!);
    for (const b of t.bars) {
      expect(b.end).not.toBeNull();
      // Every attempt leased, then ran.
      expect(b.segs[1]).toBe(1);
      expect(b.segs.filter((_, i) => i % 2 === 1)).toContain(2);
    }
    // Two tasks were queued at once, then leased one after the other; the retry waited again.
    const depths = t.queue.filter((_, i) => i % 2 === 1);
    expect(depths.slice(0, 2)).toEqual([1, 2]);
    expect(depths.at(-1)).toBe(0);
    expect(Math.max(...depths)).toBe(2);
    const times = t.queue.filter((_, i) => i % 2 === 0);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Nothing new: an empty delta.
    const delta = await call(c, 'runs.timeline', { runId, afterSeq: t.lastSeq });
    expect(delta).toMatchObject({ full: false, bars: [], queue: [], lastSeq: t.lastSeq });
  });

  it('shows a live bar, then a review, then the verdict, as deltas', async () => {
    const c = core();
    const { runId } = await call(c, 'specs.launch', { text: JSON.stringify({ name: 'rv', task_specs: [{ id: 'm', name: 'Manual', instructions: 'sleep 1; echo draft', scorer: { kind: 'manual' } }] }), filename: 'rv.json' });
    const live = await until(() => call(c, 'runs.timeline', { runId }), (t) => t.bars.length === 1 && t.bars[0]!.segs.at(-1) === 2);
    expect(live.bars[0]).toMatchObject({ end: null, outcome: null });
    const inReview = await until(() => call(c, 'runs.timeline', { runId, afterSeq: live.lastSeq }), (t) => t.bars.some((b) => b.outcome === 'review'));
    expect(inReview.full).toBe(false);
    expect(inReview.bars[0]).toMatchObject({ taskId: 'm', attempt: 1, outcome: 'review', detail: 'waiting for review' });
    await call(c, 'tasks.review', { runId, taskId: 'm', pass: true });
    const decided = await call(c, 'runs.timeline', { runId, afterSeq: inReview.lastSeq });
    expect(decided.bars.map((b: TimelineBar) => [b.taskId, b.outcome, b.end])).toEqual([['m', 'passed', inReview.bars[0]!.end]]);
  });

  it('marks a timeout, and a task cancelled while it waits for its retry leaves the queue', async () => {
    const c = core({ maxWorkers: 1 });
    const { runId } = await call(c, 'specs.launch', {
      text: JSON.stringify({ name: 'to', task_specs: [
        { id: 'hang', name: 'Hang', instructions: 'sleep 30', timeout_seconds: 1, retry_policy: { max_attempts: 2, initial_backoff_seconds: 60 } },
        { id: 'later', name: 'Later', instructions: 'sleep 30', metadata: { priority: -1 } },
      ] }),
      filename: 'to.json',
    });
    await until(() => call(c, 'runs.timeline', { runId }), (t) => t.bars.some((b) => b.taskId === 'hang' && b.outcome === 'timeout'));
    await until(() => call(c, 'runs.timeline', { runId }), (t) => t.bars.some((b) => b.taskId === 'later' && b.end === null));
    await call(c, 'runs.cancel', { runId });
    expect(await c.engine.waitForRun(runId)).toBe('cancelled');
    // The running attempt is stopped (SIGTERM) after the run is marked cancelled.
    const t = await until(() => call(c, 'runs.timeline', { runId }), (tl) => tl.bars.every((b) => b.end !== null));
    expect(t.bars.map((b) => [b.taskId, b.outcome])).toEqual([['hang', 'timeout'], ['later', 'cancelled']]);
    expect(t.bars[0]!.detail).toBe('timed out after 1s');
    expect(t.queue.at(-1)).toBe(0);
  });
});

describe('tasks.cancel', () => {
  it('ends a queued task and one backing off before its retry at once; an ended task is refused by name', async () => {
    const c = core({ maxWorkers: 1 });
    const { runId } = await call(c, 'specs.launch', {
      text: JSON.stringify({ name: 'waiting', task_specs: [
        { id: 'flaky', name: 'Flaky', instructions: 'exit 1', retry_policy: { max_attempts: 3, initial_backoff_seconds: 60 } },
        // No worker here has a GPU: it waits in the queue.
        { id: 'queued', name: 'Queued', instructions: 'true', metadata: { requires: ['gpu'] } },
      ] }),
      filename: 'waiting.json',
    });
    const state = async (taskId: string) => (await call(c, 'tasks.get', { runId, taskId })).task.state;
    await until(() => state('flaky'), (s) => s === 'retry_wait');
    expect(await state('queued')).toBe('queued');
    expect(await call(c, 'tasks.cancel', { runId, taskId: 'flaky' })).toEqual({ ok: true });
    expect(await state('flaky')).toBe('cancelled');
    expect(await call(c, 'tasks.cancel', { runId, taskId: 'queued' })).toEqual({ ok: true });
    // Nothing left to run: the run ends now, not after the backoff. Every task of it was cancelled,
    // so the run reads cancelled (not completed: nothing in it completed).
    expect(await c.engine.waitForRun(runId)).toBe('cancelled');
    expect(await state('queued')).toBe('cancelled');
    // Cancelled once, and never given its second attempt.
    const flaky = await call(c, 'tasks.get', { runId, taskId: 'flaky' });
    expect(flaky.attempts.map((a) => a.attempt)).toEqual([1]);
    const timeline = await call(c, 'runs.timeline', { runId });
    expect(timeline.queue.at(-1)).toBe(0);
    const refused = await callError(c, 'tasks.cancel', { runId, taskId: 'flaky' });
    expect(refused).toMatchObject({ code: 'conflict', message: 'Task "flaky" has ended already: only a running or waiting task can be cancelled.' });
  });
});

describe('tasks.get, tasks.logTail and artifacts.read', () => {
  it('shows attempts with receipts and artifacts, serves the patch, and refuses other files', async () => {
    const repo = gitRepo();
    const c = core();
    const { runId } = await call(c, 'specs.launch', {
      text: JSON.stringify({ name: 'patch', task_specs: [{ id: 'edit', name: 'Edit', instructions: 'echo changed >> README.md && echo new > NEW.txt && echo Needle in the log' }] }),
      filename: 'p.json', workspace: repo,
    });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const detail = await call(c, 'tasks.get', { runId, taskId: 'edit' });
    expect(detail).toMatchObject({ runName: 'patch', instructions: expect.stringContaining('README.md'), agent: 'shell', scorer: 'exit code 0' });
    expect(detail.attempts).toHaveLength(1);
    const [attempt] = detail.attempts;
    expect(attempt).toMatchObject({ attempt: 1, workerId: 'local', result: 'pass', live: false, receipt: expect.objectContaining({ result: 'pass' }) });
    expect(attempt!.artifacts.map((a) => a.kind).sort()).toEqual(['log', 'patch']);
    const patch = attempt!.artifacts.find((a) => a.kind === 'patch')!;
    expect(patch).toMatchObject({ name: 'changes.patch', mimeType: 'text/x-diff' });

    const read = await call(c, 'artifacts.read', { runId, taskId: 'edit', attempt: 1, path: patch.path });
    expect(read.text).toContain('diff --git a/README.md b/README.md');
    expect(read.text).toContain('+new');
    expect(read).toMatchObject({ eof: true, offset: 0, size: patch.sizeBytes, kind: 'patch' });

    const log = attempt!.artifacts.find((a) => a.kind === 'log')!;
    const found = await call(c, 'artifacts.read', { runId, taskId: 'edit', attempt: 1, path: log.path, query: 'needle' });
    expect(found.matches).toEqual([{ line: 1, text: 'Needle in the log' }]);

    // Only recorded artifacts: not the database, not another attempt's, not a path outside.
    for (const p of [path.join(path.dirname(c.store.path), 'shoal.db'), '/etc/passwd', log.path.replace('/1/', '/2/')]) {
      expect((await callError(c, 'artifacts.read', { runId, taskId: 'edit', attempt: 1, path: p })).code).toBe('not_found');
    }
    expect((await callError(c, 'artifacts.read', { runId, taskId: 'edit', attempt: 2, path: log.path })).code).toBe('not_found');
    expect((await callError(c, 'tasks.get', { runId, taskId: 'nope' })).message).toContain('no task "nope"');
  });

  it('tails the agent output while it runs', async () => {
    const c = core();
    const { runId } = await call(c, 'specs.launch', {
      text: JSON.stringify({ name: 'tail', task_specs: [{ id: 't', name: 'T', instructions: 'for i in 1 2 3 4 5 6; do echo "tick $i"; sleep 0.3; done' }] }),
      filename: 't.json',
    });
    const first = await until(() => call(c, 'tasks.logTail', { runId, taskId: 't' }), (r) => r.text.includes('tick 1'));
    expect(first).toMatchObject({ attempt: 1, live: true, offset: 0 });
    let text = first.text;
    let offset = first.nextOffset;
    await until(async () => {
      const next = await call(c, 'tasks.logTail', { runId, taskId: 't', attempt: 1, offset });
      text += next.text;
      offset = next.nextOffset;
      return next;
    }, (r) => !r.live && text.includes('tick 6'));
    expect(text.split('\n').filter((l) => l.startsWith('tick'))).toEqual(['tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5', 'tick 6']);
  });
});

describe('workers', () => {
  it('a drained worker takes no new tasks until resumed; a busy one cannot retire; drain survives a restart', async () => {
    const dir = tempDir();
    const c = core({}, dir);
    await call(c, 'workers.drain', { workerId: 'local' });
    expect((await call(c, 'workers.list', {})).find((w) => w.id === 'local')!.status).toBe('draining');
    expect((await callError(c, 'workers.drain', { workerId: 'local' })).code).toBe('conflict');
    const { runId } = await call(c, 'specs.launch', { text: JSON.stringify({ name: 'd', task_specs: [{ id: 's', name: 'S', instructions: 'sleep 1' }] }), filename: 'd.json' });
    await new Promise((r) => setTimeout(r, 600));
    expect(c.runsView.tasks(runId)[0]!.state).toBe('queued');

    await c.shutdown();
    const again = core({}, dir);
    expect((await call(again, 'workers.list', {})).find((w) => w.id === 'local')!.status).toBe('draining');
    await new Promise((r) => setTimeout(r, 300));
    expect(again.runsView.tasks(runId)[0]!.state).toBe('queued');

    await call(again, 'workers.resume', { workerId: 'local' });
    await until(() => again.runsView.tasks(runId)[0]!.state, (s) => s === 'running');
    const busy = await callError(again, 'workers.retire', { workerId: 'local' });
    expect(busy).toMatchObject({ code: 'conflict', message: expect.stringContaining('still running tasks') });
    expect(await again.engine.waitForRun(runId)).toBe('completed');
    await until(() => call(again, 'workers.retire', { workerId: 'local' }).then(() => true, () => false), (ok) => ok);
    expect((await call(again, 'workers.list', {})).find((w) => w.id === 'local')!.status).toBe('retired');
    expect((await callError(again, 'workers.drain', { workerId: 'nobody' })).code).toBe('conflict');
  });

  it("reports a worker's current tasks and its CPU / memory from heartbeats", async () => {
    const c = core({ heartbeatMs: 100 });
    const { runId } = await call(c, 'specs.launch', { text: JSON.stringify({ name: 'hb', task_specs: [{ id: 'busy', name: 'Busy', instructions: 'sleep 1.5' }] }), filename: 'hb.json' });
    const during = await until(() => call(c, 'workers.activity', {}), (list) => (list.find((w) => w.workerId === 'local')?.current.length ?? 0) > 0);
    expect(during.find((w) => w.workerId === 'local')!.current[0]).toMatchObject({ runId, runName: 'hb', taskId: 'busy', taskName: 'Busy', attempt: 1 });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const after = (await call(c, 'workers.activity', {})).find((w) => w.workerId === 'local')!;
    expect(after.current).toEqual([]);
    expect(after.samples.length).toBeGreaterThan(0);
    for (const s of after.samples) {
      expect(s.cpu).toBeGreaterThanOrEqual(0);
      expect(s.mem).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('notifications', () => {
  it('tells a person when a task waits for review and when a run completes or fails', async () => {
    const c = core();
    const heard: Array<Extract<ServerEvent, { type: 'notify' }>> = [];
    c.bus.subscribe((e) => {
      if (e.type === 'notify') heard.push(e);
    });
    const review = await call(c, 'specs.launch', { text: JSON.stringify({ name: 'needs a human', task_specs: [{ id: 'm', name: 'Draft', instructions: 'echo x', scorer: { kind: 'manual' } }] }), filename: 'r.json' });
    await until(() => heard.length, (n) => n >= 1);
    expect(heard[0]).toMatchObject({ title: 'Waiting for your review', runId: review.runId, taskId: 'm', body: expect.stringContaining('"Draft" in needs a human') });
    await call(c, 'tasks.review', { runId: review.runId, taskId: 'm', pass: true });
    expect(heard[1]).toMatchObject({ title: 'Run completed: needs a human', body: '1 task passed.', runId: review.runId });

    const bad = await call(c, 'specs.launch', { text: JSON.stringify({ name: 'broken', task_specs: [{ id: 'x', name: 'X', instructions: 'exit 1', retry_policy: { max_attempts: 1 } }, { id: 'y', name: 'Y', instructions: 'true' }] }), filename: 'b.json' });
    expect(await c.engine.waitForRun(bad.runId)).toBe('failed');
    await until(() => heard.length, (n) => n >= 3);
    expect(heard[2]).toMatchObject({ title: 'Run failed: broken', body: '1 of 2 tasks failed; 1 passed.', runId: bad.runId });
    expect(heard).toHaveLength(3);
  });
});
