// What every agent-output reader implements (one per stream kind, see stream-parsers.ts).
import type { AgentUsage } from '../../../../src-shared/contract/fleet-views';
import type { EventPayload } from '../event-log';

export interface StreamParser {
  /** Feed one stdout line; returns the events it implies. */
  line(line: string): EventPayload[];
  /** A one-line summary of the agent's final answer, when it gave one. */
  summary(): string | undefined;
  /** The tokens (and cost) the agent reported for the whole attempt, for its receipt. */
  usage(): AgentUsage | null;
}
