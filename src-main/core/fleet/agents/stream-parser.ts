// What every agent-output reader implements (one per stream kind, see stream-parsers.ts).
import type { AgentUsage } from '../../../../src-shared/contract/fleet-views';
import type { EventPayload } from '../event-log';

export interface StreamParser {
  /** Feed one stdout line; returns the events it implies. */
  line(line: string): EventPayload[];
  /** A one-line summary of the agent's final answer, when it gave one. */
  summary(): string | undefined;
  /** The agent's own account of why it failed, when its stream gives one: an error result, a failed
   *  turn, Shoal's runner refusing to start it (no API key, no binary). Never its ordinary output:
   *  this goes into the attempt's reason, which alerts carry to Slack, webhooks and PagerDuty. */
  failure(): string | undefined;
  /** The tokens (and cost) the agent reported for the whole attempt, for its receipt. */
  usage(): AgentUsage | null;
}
