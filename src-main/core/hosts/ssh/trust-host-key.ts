// Trusting an SSH host key a person checked: exactly that fingerprint is pinned for its address in
// the data dir's known hosts (host-keys.ts), and never over another key pinned there — a changed
// key is refused, naming both. One implementation for the app's "Trust this key"
// (workers.trustHostKey) and `shoal workers trust`, so both pin, refuse and audit alike. Replacing
// a pin is a separate, explicit step (`shoal workers trust --replace --fingerprint NEW`), never what
// trusting falls back to.
import type { AuditLog } from '../../approvals/audit-log';
import type { WorkerRegistry } from '../worker-registry';
import { KnownHosts } from './host-keys';

/** What trusting did: pinned the key now, or found exactly it pinned already (nothing written). */
export type TrustOutcome = 'pinned' | 'already-pinned';

export class PinnedKeyConflict extends Error {
  constructor(readonly address: string, readonly pinned: string, readonly offered: string) {
    super(`host key of ${address} is already pinned as ${pinned}, not ${offered}; Shoal never trusts another key over it (if the host was really re-keyed, check its new key there and replace the pin: shoal workers trust ${address} --replace --fingerprint <the key you checked>)`);
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

/** A key pinned because the person accepted new keys for one command (`shoal workers add
 *  --accept-new-host-key`, `shoal run --accept-new-host-keys`): audited like one trusted by hand. */
export function auditAcceptedHostKey(at: { audit: AuditLog; actor: string }, address: string, fingerprint: string): void {
  at.audit.append({ actor: at.actor, action: 'hostkey.trusted', subject: address, detail: { fingerprint, accepted: 'as new' } });
}

/** A key the person trusted while keeping a worker there (Add worker's checkbox, `shoal workers add
 *  --accept-new-host-key`) is pinned for its address too, unless the address has a pin already: the
 *  worker keeps its own, and the address's other pin is never replaced from here. */
export function pinForAddressUnlessPinned(at: { dataDir: string; audit: AuditLog; actor: string }, address: string, fingerprint: string, how: 'trusted' | 'accepted as new'): void {
  const known = KnownHosts.inDataDir(at.dataDir);
  if (known.get(address)) return;
  known.pin(address, fingerprint);
  if (how === 'accepted as new') auditAcceptedHostKey(at, address, fingerprint);
  else at.audit.append({ actor: at.actor, action: 'hostkey.trusted', subject: address, detail: { fingerprint } });
}

/** A person checked that the host at `address` was re-keyed: its pins holding `from` (the data
 *  dir's, and `worker`'s own when given) move to `to`, audited with both. A pin holding anything
 *  else is left alone. False when no pin held `from` (it changed meanwhile: nothing written). */
export function replaceHostKey(
  at: { dataDir: string; audit: AuditLog; actor: string },
  address: string, from: string, to: string, worker?: { registry: WorkerRegistry; name: string },
): boolean {
  const known = KnownHosts.inDataDir(at.dataDir);
  let replaced = false;
  if (known.get(address) === from) {
    known.pin(address, to);
    replaced = true;
  }
  if (worker && worker.registry.replaceHostKey(worker.name, from, to)) replaced = true;
  if (replaced) at.audit.append({ actor: at.actor, action: 'hostkey.replaced', subject: address, detail: { from, to, ...(worker ? { worker: worker.name } : {}) } });
  return replaced;
}
