// Trusting an SSH host key a person checked: exactly that fingerprint is pinned for its address in
// the data dir's known hosts (host-keys.ts), and never over another key pinned there — a changed
// key is refused, naming both. One implementation for the app's "Trust this key"
// (workers.trustHostKey) and `shoal workers trust`, so both pin, refuse and audit alike.
import type { AuditLog } from '../../approvals/audit-log';
import { KnownHosts } from './host-keys';

/** What trusting did: pinned the key now, or found exactly it pinned already (nothing written). */
export type TrustOutcome = 'pinned' | 'already-pinned';

export class PinnedKeyConflict extends Error {
  constructor(readonly address: string, readonly pinned: string, readonly offered: string) {
    super(`host key of ${address} is already pinned as ${pinned}, not ${offered}; Shoal never trusts another key over it (if the host was really re-keyed, remove its line from known-hosts.json in Shoal's data directory)`);
    this.name = 'PinnedKeyConflict';
  }
}

/** Pins `fingerprint` for `address` ("host:port") unless a key is pinned there already: the same one
 *  is 'already-pinned', another throws PinnedKeyConflict. `pinned` is a key pinned elsewhere that
 *  the connection checks first (a kept worker's own), which counts as pinned here too. */
export function trustHostKey(
  at: { dataDir: string; audit: AuditLog; actor: string },
  address: string, fingerprint: string, pinned: string | null = null,
): TrustOutcome {
  const known = KnownHosts.inDataDir(at.dataDir);
  const current = pinned ?? known.get(address);
  if (current === fingerprint) return 'already-pinned';
  if (current) throw new PinnedKeyConflict(address, current, fingerprint);
  known.pin(address, fingerprint);
  at.audit.append({ actor: at.actor, action: 'hostkey.trusted', subject: address, detail: { fingerprint } });
  return 'pinned';
}
