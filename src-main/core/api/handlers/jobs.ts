// Job handlers: the Jobs view's list and actions, and the retention setting.
import { ShoalError } from '../../../../src-shared/contract';
import type { jobMethods } from '../../../../src-shared/contract/methods/jobs';
import type { JobView } from '../../../../src-shared/contract/runtime-views';
import type { JobRecord } from '../../runtime/job-manager';
import { retentionDays, RETENTION_SETTING } from '../../runtime/maintenance/retention';
import type { CoreServices } from '../services';
import type { Handler } from '../dispatch';

export function jobHandlers(core: CoreServices): { [M in keyof typeof jobMethods]: Handler<M> } {
  const jobs = core.runtime.jobs;
  const labels = () => new Map(jobs.kindList().map((k) => [k.name, k.label]));
  const view = (j: JobRecord, l = labels()): JobView => ({ ...j, label: l.get(j.name) ?? j.name });
  const act = (jobId: string, ok: boolean, what: string) => {
    if (!jobs.get(jobId)) throw new ShoalError('not_found', `No job with id "${jobId}".`);
    if (!ok) throw new ShoalError('conflict', `This job cannot be ${what} in its current state.`);
    return { ok: true };
  };
  return {
    'jobs.list': () => {
      const l = labels();
      return {
        // Seconds tie often: among equals, the job created later in this session comes first.
        jobs: [...jobs.list()].reverse().sort((a, b) => b.updated_at - a.updated_at).map((j) => view(j, l)),
        kinds: jobs.kindList().map((k) => ({ name: k.name, label: k.label, description: k.description })),
        retentionDays: retentionDays(core.runtime.settings),
      };
    },
    'jobs.run': ({ name }) => {
      if (!jobs.kindList().some((k) => k.name === name)) throw new ShoalError('invalid_input', `name: unknown job "${name}"`, [`name: expected one of ${jobs.kindList().map((k) => k.name).join(', ')}`]);
      return view(jobs.runNow(name));
    },
    'jobs.cancel': ({ jobId }) => act(jobId, jobs.cancel(jobId), 'cancelled'),
    'jobs.pause': ({ jobId }) => act(jobId, jobs.pause(jobId), 'paused'),
    'jobs.resume': ({ jobId }) => act(jobId, jobs.resume(jobId), 'resumed'),
    'jobs.setRetention': ({ days }) => {
      core.runtime.settings.set(RETENTION_SETTING, { days });
      jobs.checkDue();
      return { retentionDays: days };
    },
  };
}
