// The reaps Shoal owes, from the Workers view: list, retry now, forget (owed-reap-actions.ts).
import type { owedReapsMethods } from '../../../../src-shared/contract/methods/owed-reaps';
import type { CoreServices } from '../services';
import type { Handler } from '../dispatch';

/** Who forgot, as the audit log shows it (the app's person, as for approvals). */
const PERSON = 'you';

export function owedReapsHandlers(core: CoreServices): { [M in keyof typeof owedReapsMethods]: Handler<M> } {
  return {
    'workers.owedReaps': () => core.owedReaps.list(),
    'workers.retryReap': async (key) => {
      const r = await core.owedReaps.retry(key);
      return { outcome: r.kind, error: r.kind === 'failed' ? r.error : null };
    },
    'workers.forgetReap': (key) => core.owedReaps.forget(key, PERSON),
  };
}
