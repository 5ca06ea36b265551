// Fleet handlers: specs, runs, tasks, receipts, reviews, workers.
import { ShoalError } from '../../../../src-shared/contract';
import type { fleetMethods } from '../../../../src-shared/contract/methods/fleet';
import { LOCAL_WORKER_ID } from '../../fleet/engine';
import type { ShoalCore } from '../../shoal';
import type { Handler } from '../dispatch';
import { listExamples } from '../examples';
import { specCheck } from '../spec-preview';

export function fleetHandlers(core: ShoalCore): { [M in keyof typeof fleetMethods]: Handler<M> } {
  return {
    'runs.list': ({ limit, before }) => core.runsView.list(limit, before),
    'runs.get': ({ runId }) => {
      const run = core.runsView.get(runId);
      if (!run) throw new ShoalError('not_found', `No run with id "${runId}".`);
      return { run, tasks: core.runsView.tasks(runId) };
    },
    'specs.validate': ({ text, filename, workspace }) => specCheck(core.validateSpec(text, filename, workspace ?? null), defaultWorker(core)),
    'specs.launch': ({ text, filename, workspace }) => {
      const result = core.validateSpec(text, filename, workspace ?? null);
      if (!result.ok) throw new ShoalError('invalid_input', `The spec has ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}; nothing was created.`, result.issues);
      if (core.engine.fleet.runStatus(result.spec.run.id) !== null) {
        throw new ShoalError('conflict', `A run with id "${result.spec.run.id}" already exists; give the spec a new id or leave id out.`, [`id: "${result.spec.run.id}" is already used by another run`]);
      }
      return { runId: core.engine.launch(result.spec) };
    },
    'specs.examples': () => listExamples(),
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
      if (!core.engine.cancelTask(runId, taskId)) throw new ShoalError('conflict', `Task "${taskId}" is not running.`);
      return { ok: true };
    },
    'workers.list': () => core.workersView.list(),
  };
}

function requireRun(core: ShoalCore, runId: string): true {
  if (core.engine.fleet.runStatus(runId) === null) throw new ShoalError('not_found', `No run with id "${runId}".`);
  return true;
}

function defaultWorker(core: ShoalCore) {
  const w = core.workersView.list().find((x) => x.id === LOCAL_WORKER_ID);
  return { id: LOCAL_WORKER_ID, name: w?.name ?? 'this computer', capabilities: core.engine.defaultCapabilities, maxConcurrent: w?.maxConcurrent ?? 1 };
}
