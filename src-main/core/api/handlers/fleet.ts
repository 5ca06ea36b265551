// Fleet handlers: specs, runs, tasks, receipts, reviews, workers, the timeline and artifacts.
import fs from 'node:fs';
import path from 'node:path';
import { ShoalError } from '../../../../src-shared/contract';
import type { fleetMethods } from '../../../../src-shared/contract/methods/fleet';
import { artifactDir } from '../../fleet/artifacts';
import { LOCAL_WORKER_ID } from '../../fleet/engine';
import type { CoreServices } from '../services';
import { readChunk, readTail, searchLines } from '../../views/artifact-files';
import { checkWorkspace, reviewSpec } from '../../views/spec-review';
import { runResultJson } from '../../views/wire-export';
import { TaskView } from '../../views/task-view';
import { TimelineView } from '../../views/timeline-view';
import { WorkerActivityView } from '../../views/worker-activity';
import type { Handler } from '../dispatch';
import { listExamples, type Example } from '../examples';
import { specCheck } from '../spec-preview';
import { probeSpecWorkers } from '../probe-spec-workers';
import { runIdProblem } from '../../fleet/run-id-taken';

export function fleetHandlers(core: CoreServices): { [M in keyof typeof fleetMethods]: Handler<M> } {
  const timeline = new TimelineView(core.store);
  const taskView = new TaskView(core.store);
  const activity = new WorkerActivityView(core.store);

  /** The spec as loaded with the workspace the person typed; a bad folder is one more issue. */
  const loadForLaunch = (text: string, filename: string | undefined, workspace: string | null | undefined) => {
    const ws = checkWorkspace(workspace);
    const result = core.validateSpec(text, filename, ws.path);
    const check = specCheck(result, defaultWorker(core));
    // Beside the spec's own problems: a bad folder, and a run id the store already has (flagged in
    // the preview, before Launch is pressed).
    const taken = result.ok ? runIdProblem(core.store.db, result.spec.run.id) : null;
    for (const issue of [ws.issue, taken]) {
      if (!issue) continue;
      check.ok = false;
      check.issues.push(issue);
    }
    if (ws.warning) check.warnings.push(ws.warning);
    if (check.preview && ws.path) check.preview.workspace = ws.path;
    return { check, result };
  };

  return {
    'runs.list': ({ limit, before }) => core.runsView.list(limit, before),
    'runs.get': ({ runId }) => {
      const run = core.runsView.get(runId);
      if (!run) throw new ShoalError('not_found', `No run with id "${runId}".`);
      return { run, tasks: core.runsView.tasks(runId), usage: core.runsView.usage(runId) };
    },
    'runs.export': ({ runId }) => {
      const json = runResultJson(core.store, core.engine.fleet.receipts(runId), runId);
      if (!json) throw new ShoalError('not_found', `No run with id "${runId}".`);
      return { json };
    },
    'specs.validate': ({ text, filename, workspace }) => {
      const { check } = loadForLaunch(text, filename, workspace);
      return { ...check, ...reviewSpec(text, filename, check.issues) };
    },
    'specs.probeWorkers': ({ text, filename, workspace }) => probeSpecWorkers(loadForLaunch(text, filename, workspace).result, { dataDir: core.dataDir, registry: core.workerRegistry }),
    'specs.launch': ({ text, filename, workspace }) => {
      const { check, result } = loadForLaunch(text, filename, workspace);
      const { issues } = check;
      // A taken run id is one of the check's issues (loadForLaunch), read in this same turn.
      if (!result.ok || !check.ok) throw new ShoalError('invalid_input', `The spec has ${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing was created.`, issues);
      return { runId: core.engine.launch(result.spec) };
    },
    'specs.examples': () => listExamples().map(describeExample),
    'runs.cancel': ({ runId }) => ({ ok: requireRun(core, runId) && core.engine.cancelRun(runId, 'user') }),
    'runs.pause': ({ runId }) => ({ ok: requireRun(core, runId) && core.engine.pauseRun(runId) }),
    'runs.resume': ({ runId }) => ({ ok: requireRun(core, runId) && core.engine.resumeRun(runId) }),
    'tasks.events': ({ runId, taskId, afterSeq, limit }) => {
      requireRun(core, runId);
      const events = core.engine.fleet.events.page(runId, afterSeq, limit, taskId);
      return { events, lastSeq: core.engine.fleet.events.lastSeq(runId) };
    },
    'tasks.receipts': ({ runId, taskId }) => (requireRun(core, runId), core.engine.fleet.receipts(runId, taskId)),
    'tasks.review': ({ runId, taskId, pass, notes }) => {
      requireRun(core, runId);
      if (!core.engine.decideReview(runId, taskId, pass, notes, 'you')) throw new ShoalError('conflict', `Task "${taskId}" is not waiting for review.`);
      return { ok: true };
    },
    'tasks.retry': ({ runId, taskId }) => {
      requireRun(core, runId);
      if (!core.engine.retryTask(runId, taskId)) throw new ShoalError('conflict', `Task "${taskId}" cannot be retried now (only waiting, failed, timed-out or cancelled tasks can).`);
      return { ok: true };
    },
    'tasks.cancel': ({ runId, taskId }) => {
      requireRun(core, runId);
      if (!core.engine.cancelTask(runId, taskId)) throw new ShoalError('conflict', `Task "${taskId}" has ended already: only a running or waiting task can be cancelled.`);
      return { ok: true };
    },
    'workers.list': () => core.workersView.list(),
    'runs.timeline': ({ runId, afterSeq }) => (requireRun(core, runId), timeline.timeline(runId, afterSeq)),
    'tasks.get': ({ runId, taskId }) => {
      requireRun(core, runId);
      const detail = taskView.get(runId, taskId);
      if (!detail) throw new ShoalError('not_found', `Run "${runId}" has no task "${taskId}".`);
      return detail;
    },
    'tasks.logTail': ({ runId, taskId, attempt, offset, limit }) => {
      requireRun(core, runId);
      // Polled while an agent runs: two primary-key reads, then the file.
      const latest = taskView.latestAttempt(runId, taskId);
      if (latest === null) throw new ShoalError('not_found', `Run "${runId}" has no task "${taskId}".`);
      const n = attempt ?? latest;
      if (n === 0) return { attempt: 0, offset: 0, nextOffset: 0, size: 0, text: '', live: false };
      const state = taskView.attemptState(runId, taskId, n);
      if (!state) throw new ShoalError('not_found', `Task "${taskId}" has no attempt ${n}.`);
      // The path is Shoal's own, never one the caller names.
      const chunk = readTail(path.join(artifactDir(core.dataDir, runId, taskId, n), 'agent.log'), offset, limit);
      return { attempt: n, offset: chunk.offset, nextOffset: chunk.nextOffset, size: chunk.size, text: chunk.text, live: state.live };
    },
    'artifacts.read': async ({ runId, taskId, attempt, path: file, offset, limit, query }) => {
      requireRun(core, runId);
      const ref = taskView.artifactsOf(runId, taskId, attempt).get(file);
      if (!ref) throw new ShoalError('not_found', `path: not an artifact of ${taskId} attempt ${attempt}; only recorded artifacts can be opened.`);
      const real = confined(core.dataDir, file);
      if (query !== undefined) {
        const { matches, truncated } = await searchLines(real, query);
        const size = fs.statSync(real).size;
        return { kind: ref.kind, mimeType: ref.mimeType, size, offset: 0, nextOffset: 0, eof: true, text: '', matches, matchesTruncated: truncated };
      }
      const chunk = readChunk(real, offset, limit);
      return { kind: ref.kind, mimeType: ref.mimeType, size: chunk.size, offset: chunk.offset, nextOffset: chunk.nextOffset, eof: chunk.eof, text: chunk.text, matches: null, matchesTruncated: false };
    },
    'workers.activity': () => activity.list(),
    'workers.drain': ({ workerId }) => {
      refuseGone(core, workerId, 'drained');
      if (!core.engine.drainWorker(workerId)) throw new ShoalError('conflict', `Worker "${workerId}" cannot be drained (unknown, or already draining or retired).`);
      return { ok: true };
    },
    'workers.resume': ({ workerId }) => {
      if (!core.engine.resumeWorker(workerId)) throw new ShoalError('conflict', `Worker "${workerId}" is not drained or retired.`);
      return { ok: true };
    },
    'workers.retire': ({ workerId }) => {
      refuseGone(core, workerId, 'retired');
      const r = core.engine.retireWorker(workerId);
      if (r === 'busy') throw new ShoalError('conflict', `Worker "${workerId}" is still running tasks; drain it and retire it once they finish.`);
      if (!r) throw new ShoalError('conflict', `Worker "${workerId}" cannot be retired (unknown, or already retired).`);
      return { ok: true };
    },
  };
}

/** Drain and retire act on a worker an engine runs. A removed kept worker, or a run's own worker
 *  whose run ended, is in none: marking its row would change nothing it does and would only bar a
 *  worker added again under its id (a drained or retired row stays so until resumed). */
function refuseGone(core: CoreServices, workerId: string, verb: 'drained' | 'retired'): void {
  const w = core.workersView.stateOf(workerId);
  if (w?.state === 'removed') throw new ShoalError('conflict', `Worker "${w.name}" cannot be ${verb}: it was removed from the kept workers, so it takes no tasks (add it again to use it).`);
  if (w?.state === 'run-ended') throw new ShoalError('conflict', `Worker "${w.name}" cannot be ${verb}: it belongs to a run that has ended, so it takes no tasks.`);
}

/** An artifact file, refused when it resolves (symlinks included) outside Shoal's data folder. */
function confined(dataDir: string, file: string): string {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    throw new ShoalError('not_found', `The artifact file ${path.basename(file)} is gone (it may have been cleaned up).`);
  }
  const root = fs.realpathSync(dataDir);
  if (!real.startsWith(root + path.sep)) throw new ShoalError('unauthorized', `path: ${path.basename(file)} is outside Shoal's data folder and is not served.`);
  return real;
}

/** JSON has no comments to title an example with: use its run name and first task description. */
function describeExample(ex: Example): Example {
  if (ex.title !== ex.filename || !ex.filename.endsWith('.json')) return ex;
  try {
    const doc = JSON.parse(ex.text) as { name?: unknown; task_specs?: Array<{ description?: unknown }> };
    const name = typeof doc.name === 'string' ? doc.name : null;
    const description = doc.task_specs?.find((t) => typeof t.description === 'string')?.description;
    return { ...ex, title: name ? name.charAt(0).toUpperCase() + name.slice(1) : ex.title, description: typeof description === 'string' ? description : ex.description };
  } catch {
    return ex;
  }
}

function requireRun(core: CoreServices, runId: string): true {
  if (core.engine.fleet.runStatus(runId) === null) throw new ShoalError('not_found', `No run with id "${runId}".`);
  return true;
}

function defaultWorker(core: CoreServices) {
  const w = core.workersView.list().find((x) => x.id === LOCAL_WORKER_ID);
  return { id: LOCAL_WORKER_ID, name: w?.name ?? 'this computer', capabilities: core.engine.defaultCapabilities, maxConcurrent: w?.maxConcurrent ?? 1 };
}
