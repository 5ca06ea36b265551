// Seeds a Shoal store for the UI benchmark: runs that look like real fleets (tasks queued at once,
// leased by workers with a few slots each, agents alternating between model and tools, heartbeats,
// artifacts, one in ten tasks failing once and passing on retry), written with prepared statements
// in one transaction. Deterministic: the same numbers every time.

/** mulberry32: a small seeded PRNG, so the benchmark data is the same on every run. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A min-heap of pending attempts by the time they become ready. */
class Heap {
  constructor() { this.items = []; }
  get size() { return this.items.length; }
  push(item) {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (a[p].ready <= a[i].ready) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop() {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].ready < a[m].ready) m = l;
        if (r < a.length && a[r].ready < a[m].ready) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

// Events of one attempt besides heartbeats: leased, starting, running, 2 × (model_wait,
// running_tool, running), 2 artifacts, and the end (completed, or failed + restarted).
const FIXED_PER_ATTEMPT = 12;
const AVG_HEARTBEATS = 6;
const RETRY_SHARE = 0.1;

function planRun(random, targetEvents) {
  const perTask = 1 + (FIXED_PER_ATTEMPT + AVG_HEARTBEATS) * (1 + RETRY_SHARE) + RETRY_SHARE;
  const tasks = Math.max(1, Math.floor(targetEvents / perTask));
  const flaky = Array.from({ length: tasks }, () => random() < RETRY_SHARE);
  const attempts = tasks + flaky.filter(Boolean).length;
  const fixed = tasks + attempts * FIXED_PER_ATTEMPT + flaky.filter(Boolean).length;
  const heartbeats = targetEvents - fixed;
  if (heartbeats < 0) throw new Error(`cannot fit a run into ${targetEvents} events`);
  return { tasks, flaky, attempts, heartbeatsEach: Math.floor(heartbeats / attempts), heartbeatsExtra: heartbeats % attempts };
}

function seedRun(ins, random, { runId, name, createdAt, targetEvents, workerIds, slotsPerWorker }) {
  const plan = planRun(random, targetEvents);
  const slots = workerIds.flatMap((w) => Array.from({ length: slotsPerWorker }, () => ({ worker: w, free: createdAt + 500 })));
  const events = [];
  const push = (t, task, worker, state, attempt, payload) => events.push({ t, task, worker, state, attempt, payload });
  const pending = new Heap();
  const taskInfo = [];
  for (let i = 0; i < plan.tasks; i++) {
    const taskId = `task-${String(i).padStart(5, '0')}`;
    taskInfo.push({ taskId, name: `Task ${i + 1}: ${['refactor', 'fix lint', 'add tests', 'migrate', 'document', 'bump deps'][i % 6]} module ${i % 97}`, attempts: 0, worker: null, start: null, end: null });
    push(createdAt + (i % 50), i, '', 'queued', null, {});
    pending.push({ ready: createdAt + 200, task: i, attempt: 1, order: i });
  }
  let attemptNo = 0;
  while (pending.size > 0) {
    const job = pending.pop();
    let slot = slots[0];
    for (const s of slots) if (s.free < slot.free) slot = s;
    const start = Math.max(slot.free, job.ready) + Math.floor(random() * 400);
    const fails = plan.flaky[job.task] && job.attempt === 1;
    const duration = fails ? 5_000 + random() * 20_000 : 20_000 + random() * 160_000;
    const end = start + duration;
    slot.free = end + 50;
    const hb = plan.heartbeatsEach + (attemptNo < plan.heartbeatsExtra ? 1 : 0);
    attemptNo++;
    const w = slot.worker;
    const a = job.attempt;
    push(start, job.task, w, 'leased', a, { lease_expires_at: new Date(start + 30_000).toISOString() });
    push(start + 5, job.task, w, 'starting', a, {});
    push(start + 40, job.task, w, 'running', a, {});
    const work = duration - 200;
    for (let c = 0; c < 2; c++) {
      const base = start + 40 + (work * c) / 2;
      push(base + work * 0.1, job.task, w, 'model_wait', a, { model: 'gpt-5-codex' });
      push(base + work * 0.3, job.task, w, 'running_tool', a, { tool: c === 0 ? 'exec_shell' : 'apply_patch', call_id: `call-${job.task}-${a}-${c}` });
      push(base + work * 0.42, job.task, w, 'running', a, {});
    }
    for (let h = 1; h <= hb; h++) push(start + (duration * h) / (hb + 1), job.task, w, 'heartbeat', a, { cpu_percent: Math.round(random() * 900) / 10, memory_mb: 150 + Math.floor(random() * 600) });
    const dir = `/bench/artifacts/${runId}/${taskInfo[job.task].taskId}/${a}`;
    push(end - 20, job.task, w, 'artifact', a, { kind: 'log', path: `${dir}/agent.log`, checksum: 'sha256:0', mime_type: 'text/plain', size_bytes: 2048 });
    push(end - 19, job.task, w, 'artifact', a, { kind: 'patch', path: `${dir}/changes.patch`, checksum: 'sha256:0', mime_type: 'text/x-diff', size_bytes: 512 });
    const info = taskInfo[job.task];
    info.attempts = a;
    info.worker = w;
    info.start ??= start;
    if (fails) {
      push(end, job.task, w, 'failed', a, { reason: 'agent exited with code 1', recoverable: true });
      push(end, job.task, w, 'restarted', a, { restart_count: a });
      pending.push({ ready: end + 5_000, task: job.task, attempt: a + 1 });
    } else {
      push(end, job.task, w, 'completed', a, { exit_code: 0, summary: 'done' });
      info.end = end;
    }
  }
  // Seqs follow time, as the event log's do.
  events.sort((x, y) => x.t - y.t);
  const iso = (t) => new Date(t).toISOString();
  let last = createdAt;
  events.forEach((e, i) => {
    const seq = i + 1;
    const taskId = taskInfo[e.task].taskId;
    const ts = iso(e.t);
    const body = { seq, run_id: runId, worker_id: e.worker, task_id: taskId, timestamp: ts, state: e.state, ...e.payload };
    if (e.attempt !== null) body.extra = { attempt: e.attempt };
    ins.event.run(runId, seq, taskId, e.worker, ts, e.state, e.attempt, JSON.stringify(body));
    last = Math.max(last, e.t);
  });
  ins.run.run(runId, name, iso(createdAt), iso(last), iso(last), events.length, plan.tasks, plan.tasks);
  taskInfo.forEach((t, i) => {
    const spec = JSON.stringify({ id: t.taskId, name: t.name, instructions: `Work on ${t.name}.`, expected_artifacts: [], timeout_seconds: null, metadata: {} });
    ins.task.run(runId, t.taskId, i, t.name, spec, t.attempts, t.worker, iso(t.start), iso(t.end));
  });
  return { events: events.length, tasks: plan.tasks, attempts: plan.attempts };
}

export function seedStore(db, { totalEvents, timelineEvents, otherRuns }) {
  const random = rng(42);
  const ins = {
    worker: db.prepare(`INSERT INTO workers (id, name, host, labels, capabilities, max_concurrent, status, created_at, updated_at)
      VALUES (?, ?, '{"kind":"ssh","host":"bench.local"}', '{}', '["shell","git"]', 4, 'offline', ?, ?)`),
    run: db.prepare(`INSERT INTO runs (id, name, status, labels, worker_specs, workspace, created_at, updated_at, completed_at, last_seq, tasks_total, tasks_passed)
      VALUES (?, ?, 'completed', '{}', '[]', NULL, ?, ?, ?, ?, ?, ?)`),
    task: db.prepare(`INSERT INTO tasks (run_id, task_id, ordinal, name, spec, priority, state, attempts, max_attempts, result, worker_id, started_at, finished_at)
      VALUES (?, ?, ?, ?, ?, 0, 'passed', ?, 2, 'pass', ?, ?, ?)`),
    event: db.prepare('INSERT INTO worker_events (run_id, seq, task_id, worker_id, timestamp, state, attempt, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
  };
  const now = Date.now();
  const workerIds = Array.from({ length: 16 }, (_, i) => `bench-${String(i + 1).padStart(2, '0')}`);
  let events = 0;
  const timelineRunId = 'run-bench-100k';
  db.transaction(() => {
    for (const id of workerIds) ins.worker.run(id, `${id} (ssh)`, new Date(now).toISOString(), new Date(now).toISOString());
    const per = Math.floor((totalEvents - timelineEvents) / otherRuns);
    for (let r = 0; r < otherRuns; r++) {
      const target = per + (r < (totalEvents - timelineEvents) % otherRuns ? 1 : 0);
      events += seedRun(ins, random, {
        runId: `run-bench-${String(r + 1).padStart(3, '0')}`, name: `Nightly maintenance #${r + 1}`,
        createdAt: now - (otherRuns - r + 1) * 6 * 3_600_000, targetEvents: target,
        workerIds: workerIds.slice((r * 4) % 16, ((r * 4) % 16) + 4), slotsPerWorker: 4,
      }).events;
    }
    events += seedRun(ins, random, {
      runId: timelineRunId, name: 'Monorepo migration (100k events)', createdAt: now - 4 * 3_600_000,
      targetEvents: timelineEvents, workerIds, slotsPerWorker: 4,
    }).events;
  })();
  return { events, timelineEvents, timelineRunId };
}
