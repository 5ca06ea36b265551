// Approvals and the exec policy: the inbox, decisions, the audit log, the rules and their tester.
import { ShoalError } from '../../../../src-shared/contract';
import type { ApprovalView } from '../../../../src-shared/contract/methods/approvals';
import type { approvalsMethods } from '../../../../src-shared/contract/methods/approvals';
import type { ApprovalRecord } from '../../approvals/approval-store';
import { whereOfHost } from '../../hosts/worker-registry';
import { DEFAULT_RULES } from '../../policy/defaults';
import { evaluatePolicy } from '../../policy/evaluate';
import type { CoreServices } from '../services';
import type { Handler } from '../dispatch';

/** Who decided, as the audit log shows it. */
const PERSON = 'you';

export function approvalView(core: CoreServices, r: ApprovalRecord): ApprovalView {
  const worker = r.runId && r.taskId && r.attempt !== null ? core.approvals.workerOf(r.runId, r.taskId, r.attempt) : null;
  return {
    id: r.id, status: r.status, tool: r.tool, runId: r.runId, taskId: r.taskId, attempt: r.attempt, threadId: r.threadId, callId: r.callId,
    taskName: r.runId && r.taskId ? core.approvals.taskName(r.runId, r.taskId) : null,
    runsOn: worker && { name: worker.name, where: whereOfHost(worker.host) },
    request: r.request, diff: r.diff, agentReason: r.agentReason, createdAt: r.createdAt, decidedAt: r.decidedAt, decision: r.decision, decidedBy: r.decidedBy,
  };
}

export function approvalsHandlers(core: CoreServices): { [M in keyof typeof approvalsMethods]: Handler<M> } {
  const get = (id: string) => {
    const r = core.approvals.get(id);
    if (!r) throw new ShoalError('not_found', `No approval request with id "${id}".`);
    return r;
  };
  return {
    'approvals.list': ({ limit }) => {
      core.tools.sweep();
      return { items: core.approvals.pending(limit).map((r) => approvalView(core, r)) };
    },
    'approvals.get': ({ id }) => approvalView(core, get(id)),
    'approvals.decide': ({ id, decision }) => {
      const { changed, record } = core.approvals.decide(id, decision, PERSON);
      if (!changed && record.status !== 'pending') {
        throw new ShoalError('conflict', `This request is already ${record.status.replace('_', ' ')}${record.decidedBy ? ` (by ${record.decidedBy})` : ''}.`);
      }
      return { changed, approval: approvalView(core, record) };
    },
    'approvals.decideMany': ({ ids, decision }) => ({
      results: ids.map((id) => {
        try {
          const { changed, record } = core.approvals.decide(id, decision, PERSON);
          return { id, changed, status: record.status, error: changed ? null : `already ${record.status}` };
        } catch (e) {
          return { id, changed: false, status: null, error: (e as Error).message };
        }
      }),
    }),
    'approvals.audit': ({ limit, before }) => {
      const items = core.audit.list({ limit, ...(before !== undefined ? { before } : {}) });
      return { items, next: items.length === limit ? items[items.length - 1]!.id : null };
    },
    'approvals.rules.list': () => ({ rules: core.policy.rules(), defaults: [...DEFAULT_RULES], options: core.policy.options() }),
    // A rename is one change: a refused new version leaves the old rule in place.
    'approvals.rules.save': ({ rule, previousId, isNew }) => core.audit.transaction(() => {
      if (previousId && previousId !== rule.id) {
        if (core.policy.rules().some((r) => r.id === rule.id)) throw new ShoalError('invalid_input', `A rule with id "${rule.id}" already exists.`, [`rule.id: "${rule.id}" is already used`]);
        core.policy.deleteRule(previousId, PERSON);
      }
      return core.policy.saveRule(rule, PERSON, { expectNew: isNew });
    }),
    'approvals.rules.delete': ({ id }) => {
      if (!core.policy.deleteRule(id, PERSON)) throw new ShoalError('not_found', `No rule with id "${id}".`);
      return { ok: true };
    },
    'approvals.rules.options': (patch) => core.policy.setOptions(patch, PERSON),
    'approvals.rules.test': ({ tool, command, path, workspace, mode }) => {
      if (tool === 'exec_shell' && command === undefined) throw new ShoalError('invalid_input', 'Type a command to test.', ['command: required for exec_shell']);
      return evaluatePolicy(
        { tool, ...(command !== undefined ? { command } : {}), ...(path !== undefined ? { path } : {}), workspace: workspace ?? null },
        [{ layer: 'user', rules: core.policy.rules() }, { layer: 'default', rules: DEFAULT_RULES }],
        mode ?? core.policy.options().mode,
      );
    },
  };
}
