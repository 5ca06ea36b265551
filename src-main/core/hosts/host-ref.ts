// What a host driver started for an attempt, stored durably with the attempt (attempts.host_ref) the
// moment it exists, so a Shoal that crashed can find that work again and adopt or end it: a local
// process is known by pid + start time (a recycled pid is not ours), an SSH attempt by its host and
// remote process group, a container by its id.
import { z } from 'zod';

export const HostRefSchema = z.discriminatedUnion('kind', [
  // workdir: the agent's SHOAL_WORKDIR, which its children inherit: it tells its group's members
  // once the leader itself has exited (absent in refs stored before it was recorded).
  z.object({ kind: z.literal('local'), pid: z.number().int().positive(), startTime: z.string().nullable(), workdir: z.string().optional() }),
  // pgid null: the connection dropped before the group's pgid came back, so only its marker file
  // there (`marker`, pgid-markers.ts) names it.
  z.object({ kind: z.literal('ssh'), host: z.string(), port: z.number().int(), user: z.string(), pgid: z.number().int().positive().nullable(), dir: z.string(), marker: z.string().optional() }),
  z.object({ kind: z.literal('docker'), containerId: z.string(), dockerHost: z.string().nullable() }),
  // A remote `shoal agent` (agents-remote/): it owns its process; the control plane only holds the lease.
  z.object({ kind: z.literal('agent'), agentId: z.string(), pid: z.number().int().nullable() }),
]);
export type HostRef = z.infer<typeof HostRefSchema>;
export type HostKind = HostRef['kind'];

export function serializeHostRef(ref: HostRef): string {
  return JSON.stringify(ref);
}

/** null for an attempt recorded before host refs existed, or a value this version cannot read. */
export function parseHostRef(text: string | null): HostRef | null {
  if (!text) return null;
  try {
    const parsed = HostRefSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** How the ref appears in logs and errors: never a secret, only where the work runs. */
export function describeHostRef(ref: HostRef): string {
  switch (ref.kind) {
    case 'local': return `local pid ${ref.pid}`;
    // A group known only by its marker is named by the marker's path: a person who takes its reap
    // over finds the pgid there (its first word).
    case 'ssh': return `ssh ${ref.user}@${ref.host}:${ref.port} ${ref.pgid !== null ? `pgid ${ref.pgid}` : `process group named by its marker${ref.marker ? ` ${ref.marker}` : ''}`}`;
    case 'docker': return `container ${ref.containerId.slice(0, 12)}`;
    case 'agent': return `remote agent ${ref.agentId}${ref.pid ? ` pid ${ref.pid}` : ''}`;
  }
}
