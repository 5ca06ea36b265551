// Landing handlers: the Land view's overview, the merge queue, picking a candidate, comparing two.
import { ShoalError } from '../../../../src-shared/contract';
import type { landingMethods } from '../../../../src-shared/contract/methods/landing';
import { pickCandidate, PickError, rankGroups, winnersOf } from '../../landing/candidates';
import { gitRun } from '../../landing/git';
import { LandInputError, planItems, runTasks } from '../../landing/land-plan';
import { overlapWarnings } from '../../landing/overlap';
import { APP_LAND_WORDING } from '../land-wording';
import type { CoreServices } from '../services';
import type { Handler } from '../dispatch';

function asShoalError(e: unknown): never {
  if (e instanceof LandInputError) {
    const message = `${e.field}: ${e.worded(APP_LAND_WORDING)}`;
    throw new ShoalError('invalid_input', message, [message]);
  }
  if (e instanceof PickError) throw new ShoalError('conflict', e.message);
  throw e;
}

export function landingHandlers(core: CoreServices): { [M in keyof typeof landingMethods]: Handler<M> } {
  const runRow = (runId: string) => {
    const row = core.store.db.prepare<[string], { status: string; workspace: string | null }>(`SELECT status, workspace FROM runs WHERE id = ?`).get(runId);
    if (!row) throw new ShoalError('not_found', `No run with id "${runId}".`);
    return row;
  };
  return {
    'landing.overview': async ({ runId }) => {
      const run = runRow(runId);
      const tasks = runTasks(core.store, runId);
      // Ranked once: each ranking reads every candidate's patch and test log from disk.
      const groups = rankGroups(core.store, runId);
      const landable = planItems(tasks, undefined, winnersOf(core.store, runId, groups)).map((t) => ({ taskId: t.taskId, name: t.name, branch: t.branch }));
      const head = run.workspace ? await gitRun(run.workspace, ['symbolic-ref', '-q', '--short', 'HEAD']) : null;
      return {
        runId, runStatus: run.status, defaultInto: head && head.code === 0 ? head.stdout.trim() : null, landable,
        warnings: await overlapWarnings(core.store, runId),
        groups,
        landing: core.landing.latest(runId),
      };
    },
    'landing.land': async ({ runId, into, mode, tasks, check, push, remote, pr }) => {
      runRow(runId);
      return core.landing.land({ runId, into, mode, tasks, check, push, remote, pr }).catch(asShoalError);
    },
    'landing.pick': ({ runId, taskId }, ctx) => {
      runRow(runId);
      try {
        const by = ctx.transport === 'electron' ? 'app' : 'web';
        return pickCandidate(core.store, runId, taskId, by, {
          tx: (fn) => core.engine.fleet.tx(fn),
          decide: (id, pass, notes) => core.engine.decideReview(runId, id, pass, notes, by),
        });
      } catch (e) {
        return asShoalError(e);
      }
    },
    'landing.compare': async ({ runId, a, b }) => {
      const run = runRow(runId);
      const byId = new Map(runTasks(core.store, runId).map((t) => [t.taskId, t]));
      const ta = byId.get(a);
      const tb = byId.get(b);
      if (!ta) throw new ShoalError('invalid_input', `a: no task "${a}" in this run`, [`a: no task "${a}" in this run`]);
      if (!tb) throw new ShoalError('invalid_input', `b: no task "${b}" in this run`, [`b: no task "${b}" in this run`]);
      if (!run.workspace) throw new ShoalError('conflict', 'This run has no git workspace, so its tasks have no branches to compare.');
      const r = await gitRun(run.workspace, ['diff', '--no-color', ta.branch, tb.branch]);
      if (r.code !== 0) throw new ShoalError('conflict', `Cannot compare ${ta.branch} and ${tb.branch}: ${r.stderr.trim()}`);
      return { patch: r.stdout };
    },
  };
}
