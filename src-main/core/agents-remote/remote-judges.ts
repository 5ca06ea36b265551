// The control plane's side of policy for remote attempts: one gateway binding per leased attempt
// that has asked for a judgment, so the agent's tool calls are judged here — this host's rules, the
// run's rules, its approvals and dialog — and their lifecycle lands in the task's timeline fenced by
// the lease. A binding outlives the agent's connection (an approval may be answered while the agent
// reconnects) and ends with the attempt: finished, cancelled, or its lease reclaimed.
import type { LeaseRef } from '../../../src-shared/protocol/worker-protocol';
import type { FleetEngine } from '../fleet/engine';
import { LeaseLostError, type Lease } from '../fleet/lease';
import type { AttemptBinding, RemoteAttemptJudge } from '../gateway/gateway';
import type { Store } from '../store/open';

/** The part of the tool gateway remote attempts need (ShoalToolGateway). */
export interface RemoteJudgeGateway {
  bindRemote(binding: AttemptBinding): RemoteAttemptJudge;
}

export function leaseOf(ref: LeaseRef, agentId: string): Lease {
  return { runId: ref.run_id, taskId: ref.task_id, attempt: ref.attempt, token: ref.token, queueSeq: ref.inbox_seq, workerId: agentId, deadline: 0, grantedAt: Date.now() };
}

export class RemoteJudges {
  private readonly byToken = new Map<string, { judge: RemoteAttemptJudge; ref: LeaseRef }>();
  private readonly current;
  private readonly startedIn;

  constructor(private readonly gateway: RemoteJudgeGateway, private readonly engine: FleetEngine, store: Store) {
    this.current = store.db.prepare<[string, string, number, string], { one: number }>(
      'SELECT 1 AS one FROM tasks WHERE run_id = ? AND task_id = ? AND attempts = ? AND lease_token = ?');
    this.startedIn = store.db.prepare<[string, string, number], { workdir: string | null }>('SELECT workdir FROM attempts WHERE run_id = ? AND task_id = ? AND attempt = ?');
  }

  /** The attempt's judge, bound on its first judgment. Its workdir (what the path rules are about) is
   *  the one the agent reported starting in; `said`, the workdir the first call named (or that
   *  call's folder, from an agent that names none), only when that report has not arrived: a call
   *  may run in a folder inside the workdir, which would make the rules about that folder. */
  judgeFor(ref: LeaseRef, agentId: string, said: string): RemoteAttemptJudge {
    const known = this.byToken.get(ref.token);
    if (known) return known.judge;
    const workdir = this.startedIn.get(ref.run_id, ref.task_id, ref.attempt)?.workdir ?? said;
    const fleet = this.engine.fleet;
    const lease = leaseOf(ref, agentId);
    const spec = fleet.taskSpec(ref.run_id, ref.task_id);
    const judge = this.gateway.bindRemote({
      scope: { kind: 'task', runId: ref.run_id, taskId: ref.task_id, attempt: ref.attempt, workdir },
      metadata: spec.metadata as Record<string, unknown>,
      env: {},
      record: (events) => {
        try {
          fleet.progress(lease, events);
        } catch (e) {
          // The lease was reclaimed meanwhile: its lifecycle no longer belongs in the timeline.
          if (!(e instanceof LeaseLostError)) throw e;
        }
      },
    });
    this.byToken.set(ref.token, { judge, ref });
    return judge;
  }

  /** The attempt is over: its pending approvals expire. */
  end(ref: LeaseRef): void {
    const known = this.byToken.get(ref.token);
    if (!known) return;
    this.byToken.delete(ref.token);
    known.judge.close();
  }

  /** Ends the bindings of leases that are no longer current (reclaimed while their agent was away). */
  sweep(): void {
    for (const { ref } of [...this.byToken.values()]) {
      if (!this.current.get(ref.run_id, ref.task_id, ref.attempt, ref.token)) this.end(ref);
    }
  }

  closeAll(): void {
    for (const { ref } of [...this.byToken.values()]) this.end(ref);
  }
}
