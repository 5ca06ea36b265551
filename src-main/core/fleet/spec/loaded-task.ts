// A task as the spec loader hands it on: ready to store, with its agent and where it may run.
// Its own module so that spec rewrites (best-of-N expansion) can use it without importing the loader.
import type { AgentSpec } from '../agents/agent-spec';
import type { NewTask } from '../fleet-store';

export interface LoadedTask extends NewTask {
  agent: AgentSpec;
  /** Worker ids this task may run on (for the preview). */
  placeableOn: string[];
}
