// `shoal approve ID --decision D [--db PATH]`: decides one pending request from any terminal. The
// agent waiting for it — in `shoal serve`, the app or `shoal run`, another process — notices the
// row change and carries on.
import { DB_OPTION, parseCommand, type CommandDoc } from '../args';
import { REVIEW_DECISIONS, type ReviewDecisionName } from '../../../src-shared/contract/methods/policy';
import { ShoalError } from '../../../src-shared/contract/envelope';
import { cliActor, flagString, UsageError, type CliIo } from '../io';
import { openCore } from '../open-core';

export const doc: CommandDoc = {
  usage: 'approve ID --decision D [options]',
  maxArgs: 1,
  summary: 'Decides one pending approval request; the waiting agent carries on.',
  options: {
    decision: { type: 'string', value: 'D', help: 'approved, approved_for_session, denied or abort' },
    db: DB_OPTION,
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseCommand(args, doc);
  const [id] = positional;
  const decision = flagString(flags, 'decision');
  if (!id || !decision) throw new UsageError(`usage: shoal approve ID --decision ${REVIEW_DECISIONS.filter((d) => d !== 'network_policy_amendment').join('|')}`);
  if (!(REVIEW_DECISIONS as readonly string[]).includes(decision)) throw new UsageError(`--decision: expected one of ${REVIEW_DECISIONS.join(', ')}, got "${decision}"`);
  const core = openCore(flags, io);
  try {
    const { changed, record } = core.approvals.decide(id, decision as ReviewDecisionName, cliActor(io));
    if (!changed) {
      io.stderr.write(`${id} is already ${record.status}${record.decidedBy ? ` (by ${record.decidedBy})` : ''}\n`);
      return 1;
    }
    io.stdout.write(`${id}: ${decision} — ${record.request.command}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ShoalError) {
      io.stderr.write(`${e.message}\n`);
      return e.code === 'not_found' ? 3 : 2;
    }
    throw e;
  } finally {
    core.close();
  }
}
