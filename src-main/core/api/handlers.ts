// Implementation of every contract method, one file per feature area under handlers/. Typed against
// the contract: a method added to src-shared/contract without a handler fails the typecheck.
import type { Handlers } from './dispatch';
import type { CoreServices } from './services';
import { alertsHandlers } from './handlers/alerts';
import { appHandlers } from './handlers/app';
import { approvalsHandlers } from './handlers/approvals';
import { fleetHandlers } from './handlers/fleet';
import { hostsHandlers } from './handlers/hosts';
import { landingHandlers } from './handlers/landing';
import { owedReapsHandlers } from './handlers/owed-reaps';
import { remoteAgentsHandlers } from './handlers/remote-agents';
import { runtimeHandlers } from './handlers/runtime';

export function createHandlers(core: CoreServices): Handlers {
  return {
    ...appHandlers(core),
    ...approvalsHandlers(core),
    ...fleetHandlers(core),
    ...hostsHandlers(core),
    ...owedReapsHandlers(core),
    ...remoteAgentsHandlers(core),
    ...landingHandlers(core),
    ...runtimeHandlers(core),
    ...alertsHandlers(core),
  };
}
