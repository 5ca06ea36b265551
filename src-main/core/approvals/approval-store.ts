// Approval requests and decisions, persisted: a request is a row of `approvals` (request = the
// ExecApprovalRequest JSON, Codex's shape) with its context (tool, attempt, owner process, the diff of
// a file write) in its own columns, written before anyone is asked, so a crash loses none. Every
// request, decision and expiry is also an audit_log entry: a trail for people, never read back here.
// Decisions may come from another process (`shoal approve`): the waiter polls its row, and a
// decision made in this process wakes it at once.
import { EventEmitter } from 'node:events';
import { ShoalError } from '../../../src-shared/contract/envelope';
import { decisionName, type ExecApprovalRequest, type ReviewDecision, type ReviewDecisionName, type TimeoutDecision } from '../../../src-shared/contract/methods/policy';
import type { Store } from '../store/open';
import type { AuditLog } from './audit-log';

export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'aborted', 'timed_out', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export interface ApprovalContext {
  tool: string;
  runId: string | null;
  taskId: string | null;
  attempt: number | null;
  threadId: string | null;
  /** The Shoal process whose agent waits; when it is gone, nobody can receive the answer. */
  ownerPid: number;
  /** For file writes: the unified diff that would be applied. */
  diff: string | null;
  /** Why the agent said it wants this, when it said. */
  agentReason: string | null;
}

export interface ApprovalRecord extends ApprovalContext {
  id: string;
  status: ApprovalStatus;
  callId: string;
  request: ExecApprovalRequest;
  createdAt: string;
  decidedAt: string | null;
  decision: ReviewDecisionName | null;
  decidedBy: string | null;
}

export interface FinalState {
  status: Exclude<ApprovalStatus, 'pending'>;
  decision: ReviewDecisionName | null;
  decidedBy: string | null;
}

interface Row {
  id: string; run_id: string | null; task_id: string | null; thread_id: string | null; call_id: string; request: string;
  status: string; decision: string | null; decided_by: string | null; created_at: string; decided_at: string | null;
  tool: string | null; attempt: number | null; owner_pid: number | null; diff: string | null; agent_reason: string | null;
}

const SELECT = `SELECT a.id, a.run_id, a.task_id, a.thread_id, a.call_id, a.request, a.status, a.decision, a.decided_by, a.created_at, a.decided_at,
  a.tool, a.attempt, a.owner_pid, a.diff, a.agent_reason FROM approvals a`;

const STATUS_OF: Record<ReviewDecisionName, ApprovalStatus> = {
  approved: 'approved', approved_for_session: 'approved', approved_execpolicy_amendment: 'approved', network_policy_amendment: 'approved',
  denied: 'denied', abort: 'aborted',
};

export class ApprovalStore {
  private readonly events = new EventEmitter();
  private readonly s;

  constructor(private readonly store: Store, private readonly audit: AuditLog) {
    this.events.setMaxListeners(0);
    const db = store.db;
    this.s = {
      insert: db.prepare<[string, string | null, string | null, string | null, string, string, string, string, number | null, number, string | null, string | null]>(
        `INSERT INTO approvals (id, run_id, task_id, thread_id, call_id, request, status, created_at, tool, attempt, owner_pid, diff, agent_reason)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)`),
      get: db.prepare<[string], Row>(`${SELECT} WHERE a.id = ?`),
      pending: db.prepare<[number], Row>(`${SELECT} WHERE a.status = 'pending' ORDER BY a.created_at, a.id LIMIT ?`),
      status: db.prepare<[string], { status: string; decision: string | null; decided_by: string | null }>(`SELECT status, decision, decided_by FROM approvals WHERE id = ?`),
      settle: db.prepare<[string, string | null, string, string, string]>(
        `UPDATE approvals SET status = ?, decision = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'`),
      pendingOfTask: db.prepare<[string, string], Row>(`${SELECT} WHERE a.status = 'pending' AND a.run_id = ? AND a.task_id = ?`),
      pendingOfThread: db.prepare<[string], Row>(`${SELECT} WHERE a.status = 'pending' AND a.thread_id = ?`),
      pendingByCall: db.prepare<[string], Row>(`${SELECT} WHERE a.status = 'pending' AND a.call_id = ?`),
      decidedByCall: db.prepare<[string], Row>(`${SELECT} WHERE a.status NOT IN ('pending', 'expired') AND a.call_id = ? ORDER BY a.decided_at DESC`),
      task: db.prepare<[string, string], { name: string }>(`SELECT name FROM tasks WHERE run_id = ? AND task_id = ?`),
      workerOf: db.prepare<[string, string, number], { name: string; host: string }>(
        `SELECT w.name, w.host FROM attempts a JOIN workers w ON w.id = a.worker_id WHERE a.run_id = ? AND a.task_id = ? AND a.attempt = ?`),
    };
  }

  create(id: string, request: ExecApprovalRequest, ctx: ApprovalContext, at = new Date().toISOString()): ApprovalRecord {
    this.audit.transaction(() => {
      this.s.insert.run(id, ctx.runId, ctx.taskId, ctx.threadId, request.call_id, JSON.stringify(request), at, ctx.tool, ctx.attempt, ctx.ownerPid, ctx.diff, ctx.agentReason);
      this.audit.append({ at, actor: 'agent', action: 'approval.requested', subject: id, detail: { ...ctx, command: request.command, cwd: request.cwd, matchedRule: request.matched_rule, reason: request.reason } });
    });
    return this.get(id)!;
  }

  get(id: string): ApprovalRecord | null {
    const row = this.s.get.get(id);
    return row ? toRecord(row) : null;
  }

  /** Pending requests across all runs and threads, oldest first. */
  pending(limit = 500): ApprovalRecord[] {
    return this.s.pending.all(limit).map(toRecord);
  }

  /** A pending request of the same scope and call (an agent asking again after a dropped connection). */
  pendingFor(callId: string, match: (r: ApprovalRecord) => boolean): ApprovalRecord | null {
    return this.s.pendingByCall.all(callId).map(toRecord).find(match) ?? null;
  }

  /** A request of the same scope and call that was settled by a decision or its timeout (not
   *  expired): the answer for an agent asking again that did not hear it. Newest first. */
  decidedFor(callId: string, match: (r: ApprovalRecord) => boolean): ApprovalRecord | null {
    return this.s.decidedByCall.all(callId).map(toRecord).find(match) ?? null;
  }

  pendingOfTask(runId: string, taskId: string): ApprovalRecord[] {
    return this.s.pendingOfTask.all(runId, taskId).map(toRecord);
  }

  pendingOfThread(threadId: string): ApprovalRecord[] {
    return this.s.pendingOfThread.all(threadId).map(toRecord);
  }

  taskName(runId: string, taskId: string): string | null {
    return this.s.task.get(runId, taskId)?.name ?? null;
  }

  /** The worker an attempt runs on: its name and its host (FleetHostSpec JSON, or a remote agent's). */
  workerOf(runId: string, taskId: string, attempt: number): { name: string; host: string } | null {
    return this.s.workerOf.get(runId, taskId, attempt) ?? null;
  }

  /** A person's decision. Only a decision the request offers is accepted; a request decided (or
   *  closed) already is reported as such and left alone. */
  decide(id: string, decision: ReviewDecision | ReviewDecisionName, by: string): { changed: boolean; record: ApprovalRecord } {
    const record = this.get(id);
    if (!record) throw new ShoalError('not_found', `No approval request with id "${id}".`);
    const name = decisionName(decision);
    const offered = record.request.available_decisions.map(decisionName);
    if (record.status === 'pending' && !offered.includes(name)) {
      throw new ShoalError('invalid_input', `"${name}" is not offered for this request; choose one of: ${offered.join(', ')}.`, [`decision: expected one of ${offered.join(', ')}`]);
    }
    const changed = this.settle(record, STATUS_OF[name], name, by, 'approval.decided');
    return { changed, record: this.get(id)! };
  }

  /** Closes a request nobody answered: timed out (its decision is the timeout decision, deny unless
   *  the person or the run chose approve) or expired (its agent is gone; no decision). */
  close(id: string, status: 'timed_out' | 'expired', by: string, why: string, onTimeout: TimeoutDecision = 'deny'): boolean {
    const record = this.get(id);
    if (!record) return false;
    const decision = status === 'expired' ? null : onTimeout === 'approve' ? 'approved' : 'denied';
    return this.settle(record, status, decision, by, `approval.${status}`, why);
  }

  /** The request's final state, or null while it is pending. */
  finalState(id: string): FinalState | null {
    const row = this.s.status.get(id);
    if (!row || row.status === 'pending') return null;
    return { status: row.status as FinalState['status'], decision: row.decision as ReviewDecisionName | null, decidedBy: row.decided_by };
  }

  /** Resolves with the final state: a decision (this process or another), the timeout (settled as
   *  `onTimeout`, deny by default), or the caller giving up (the attempt ended), which expires the request. */
  waitFor(id: string, opts: { timeoutMs: number; onTimeout?: TimeoutDecision; signal?: AbortSignal; pollMs?: number }): Promise<FinalState> {
    return new Promise((resolve) => {
      const deadline = Date.now() + opts.timeoutMs;
      let timer: NodeJS.Timeout | null = null;
      const finish = (state: FinalState) => {
        if (timer) clearTimeout(timer);
        this.events.off(id, check);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(state);
      };
      const check = () => {
        if (!this.store.db.open) return finish({ status: 'expired', decision: null, decidedBy: 'shoal' });
        const state = this.finalState(id);
        if (state) return finish(state);
        if (Date.now() >= deadline) {
          const onTimeout = opts.onTimeout ?? 'deny';
          this.close(id, 'timed_out', 'timeout', `no decision within ${Math.round(opts.timeoutMs / 1000)} s; the timeout decision is ${onTimeout}`, onTimeout);
          return finish(this.finalState(id) ?? { status: 'timed_out', decision: onTimeout === 'approve' ? 'approved' : 'denied', decidedBy: 'timeout' });
        }
        timer = setTimeout(check, Math.min(opts.pollMs ?? 250, Math.max(10, deadline - Date.now())));
      };
      const onAbort = () => {
        if (this.store.db.open) this.close(id, 'expired', 'shoal', 'the agent stopped waiting (its attempt or turn ended)');
        finish((this.store.db.open ? this.finalState(id) : null) ?? { status: 'expired', decision: null, decidedBy: 'shoal' });
      };
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.events.on(id, check);
      check();
    });
  }

  /** Expires pending requests nobody can receive an answer for any more. */
  sweep(isGone: (r: ApprovalRecord) => boolean): number {
    let n = 0;
    for (const r of this.pending()) {
      if (isGone(r) && this.close(r.id, 'expired', 'shoal', 'the agent that asked is no longer running; a retried attempt asks again')) n++;
    }
    return n;
  }

  private settle(record: ApprovalRecord, status: ApprovalStatus, decision: string | null, by: string, action: string, why?: string): boolean {
    const at = new Date().toISOString();
    const changed = this.audit.transaction(() => {
      const r = this.s.settle.run(status, decision, by, at, record.id);
      if (r.changes !== 1) return false;
      this.audit.append({
        at, actor: by, action, subject: record.id,
        detail: {
          decision, status, tool: record.tool, command: record.request.command, cwd: record.request.cwd, matchedRule: record.request.matched_rule,
          reason: record.request.reason, runId: record.runId, taskId: record.taskId, attempt: record.attempt, threadId: record.threadId, ...(why ? { why } : {}),
        },
      });
      return true;
    });
    if (changed) this.events.emit(record.id);
    return changed;
  }
}

function toRecord(row: Row): ApprovalRecord {
  return {
    id: row.id, status: row.status as ApprovalStatus, callId: row.call_id, request: JSON.parse(row.request) as ExecApprovalRequest,
    createdAt: row.created_at, decidedAt: row.decided_at, decision: row.decision as ReviewDecisionName | null, decidedBy: row.decided_by,
    // Null context columns only on requests a store too old to record them held without an audit entry.
    tool: row.tool ?? 'exec_shell', runId: row.run_id, taskId: row.task_id, attempt: row.attempt, threadId: row.thread_id,
    ownerPid: row.owner_pid ?? 0, diff: row.diff, agentReason: row.agent_reason,
  };
}
