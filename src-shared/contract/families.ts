// Which query family a method's result belongs to. React-query keys start with it, and main's
// `invalidate` events name families, so a read that sits in the wrong family is never refreshed.
// Most methods read the family their name starts with; the exceptions are listed here, so a
// mutation that declares `invalidates: ['events']` reaches the views that show events.
import { QUERY_FAMILIES, type QueryFamily } from './define';

const READS_OTHER_FAMILY: Record<string, QueryFamily> = {
  'tasks.events': 'events',
  'tasks.logTail': 'events',
  'runs.timeline': 'events',
  'tasks.receipts': 'receipts',
  // Spec checks and the examples gallery change only when a run is launched (a check reads the run
  // ids taken), so they live with the app's static facts, which a launch invalidates.
  'specs.validate': 'app',
  'specs.examples': 'app',
  'specs.launch': 'runs',
  // Reachability is about workers: an added or removed worker asks again.
  'specs.probeWorkers': 'workers',
  // What can be landed and how candidates compare change with the run and its receipts.
  'landing.overview': 'runs',
  // A diff between two finished candidates changes only when receipts do, not with every task event.
  'landing.compare': 'receipts',
  'landing.land': 'runs',
  'landing.pick': 'runs',
  // Agent keys are stored settings; setting one invalidates `settings`.
  'agents.keys': 'settings',
  'agents.setKey': 'settings',
  'agents.binaries': 'settings',
  'agents.setBinary': 'settings',
};

export function queryFamilyOf(method: string): QueryFamily {
  const named = READS_OTHER_FAMILY[method];
  if (named) return named;
  const prefix = method.split('.')[0] ?? '';
  if ((QUERY_FAMILIES as readonly string[]).includes(prefix)) return prefix as QueryFamily;
  throw new Error(`method ${method} has no query family: add it to QUERY_FAMILIES or READS_OTHER_FAMILY`);
}
