// Before Launch: asks every worker a spec would run on whether it answers, so the preview can flag
// one that cannot be reached (with the cause) before its tasks would sit waiting for it. The spec's
// own workers when it declares some, else the kept workers beside this computer (which always runs).
import type { FleetHostSpec } from '../../../src-shared/protocol/fleet';
import type { LoadResult } from '../fleet/spec/load-spec';
import { probeHost } from '../hosts/probe-host';
import { sshAddressOf } from '../hosts/ssh-address';
import type { WorkerRegistry } from '../hosts/worker-registry';
import { TRUST_IN_THE_DIALOG, withAppAdvice } from './host-key-advice';
import { withWorker } from '../../../src-shared/protocol/worker-reason';

export interface WorkerReach {
  id: string; name: string; kind: string; ok: boolean; error: string | null;
  /** The key the host presented when it is only not pinned yet: the preview offers to trust it for that address. */
  unknownHostKey: { address: string; fingerprint: string } | null;
}

interface Candidate { id: string; name: string; host: FleetHostSpec; ctx: { dockerHost?: string | null; hostKey?: string | null; privateKey?: string | null } }

export async function probeSpecWorkers(result: LoadResult, deps: { dataDir: string; registry: WorkerRegistry }): Promise<WorkerReach[]> {
  if (!result.ok) return [];
  const own = result.spec.workers;
  const candidates: Candidate[] = own.length > 0
    ? own.map((w) => ({ id: w.id, name: w.name || w.id, host: w.host, ctx: {} }))
    : deps.registry.list().flatMap((k) => {
      const w = deps.registry.forEngine(k.name);
      return w ? [{ id: k.name, name: k.name, host: w.spec.host, ctx: w.ctx }] : [];
    });
  return Promise.all(candidates.map(async (c): Promise<WorkerReach> => {
    if (c.host.kind === 'local') return { id: c.id, name: c.name, kind: 'local', ok: true, error: null, unknownHostKey: null };
    // Never pins a key here: an unknown host key is reported like any other reason it cannot be used,
    // and the person trusts it with the preview's own button (workers.trustHostKey); the CLI's run
    // names its flags instead.
    const probe = await probeHost(c.host, { dataDir: deps.dataDir, workerName: c.name, ...c.ctx });
    const address = probe.unknownHostKey ? sshAddressOf(c.host, c.ctx.dockerHost ?? null) : null;
    return {
      id: c.id, name: c.name, kind: c.host.kind, ok: probe.ok,
      error: probe.ok ? null : withWorker(c.name, withAppAdvice(probe.error ?? 'cannot be used', TRUST_IN_THE_DIALOG)),
      unknownHostKey: address && probe.unknownHostKey ? { address, fingerprint: probe.unknownHostKey } : null,
    };
  }));
}
