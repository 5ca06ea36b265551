// `shoal approvals [--json] [--audit] [--limit N] [--db PATH]`: the requests waiting for a person,
// oldest first (with --json: a JSON array whose `request` is the reference implementation's ExecApprovalRequest), or
// with --audit the audit log of past decisions, newest first.
import { DB_OPTION, JSON_OPTION, parseCommand, type CommandDoc } from '../args';
import { approvalView } from '../../core/api/handlers/approvals';
import { placeText } from '../../../src-shared/contract/worker-place';
import { flagInt, type CliIo } from '../io';
import { openCore } from '../open-core';

export const doc: CommandDoc = {
  usage: 'approvals [options]',
  maxArgs: 0,
  summary: 'Requests waiting for a person, oldest first; or the audit log of past decisions.',
  options: {
    json: JSON_OPTION,
    audit: { type: 'boolean', help: 'the audit log, newest first, instead of pending requests' },
    limit: { type: 'string', value: 'N', help: 'at most N entries (1–1000, default 200)' },
    db: DB_OPTION,
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags } = parseCommand(args, doc);
  const limit = flagInt(flags, 'limit', 1, 1000) ?? 200;
  const core = openCore(flags, io);
  try {
    if (flags.get('audit')) {
      const items = core.audit.list({ limit });
      if (flags.get('json')) io.stdout.write(JSON.stringify(items) + '\n');
      else if (items.length === 0) io.stdout.write('the audit log is empty\n');
      else for (const e of items) io.stdout.write(`${e.at}  ${e.actor.padEnd(10)}  ${e.action.padEnd(22)}  ${e.subject ?? ''}  ${summary(e.detail)}\n`);
      return 0;
    }
    // Requests whose agent is gone (its Shoal process died) are closed first, visibly.
    core.tools.sweep();
    const items = core.approvals.pending(limit).map((r) => approvalView(core, r));
    if (flags.get('json')) {
      io.stdout.write(JSON.stringify(items) + '\n');
      return 0;
    }
    if (items.length === 0) io.stdout.write('nothing waits for approval\n');
    for (const a of items) {
      const where = a.runId ? `${a.runId}/${a.taskId}#${a.attempt}` : `thread ${a.threadId}`;
      io.stdout.write(`${a.id}  ${a.createdAt}  ${where}\n  ${a.tool === 'exec_shell' ? '$ ' : ''}${a.request.command}\n  in ${a.request.cwd}${a.runsOn ? ` on ${placeText(a.runsOn)}` : ''}\n  ${a.request.reason}\n`);
      io.stdout.write(`  decide: shoal approve ${a.id} --decision ${a.request.available_decisions.map((d) => (typeof d === 'string' ? d : 'network_policy_amendment')).join('|')}\n`);
      if (a.request.proposed_execpolicy_amendment.length > 0) {
        io.stdout.write(`  (approved_execpolicy_amendment always allows "${a.request.proposed_execpolicy_amendment.join(' ')}" from now on, never a command a deny rule refuses)\n`);
      }
    }
    return 0;
  } finally {
    core.close();
  }
}

function summary(detail: Record<string, unknown> | null): string {
  if (!detail) return '';
  const parts = [detail.decision ?? detail.status, detail.command ? `"${String(detail.command).slice(0, 80)}"` : null, detail.taskId ? `task ${String(detail.taskId)}` : null, detail.matchedRule ? `rule ${String(detail.matchedRule)}` : null];
  return parts.filter(Boolean).join('  ');
}
