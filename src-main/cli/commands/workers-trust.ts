// `shoal workers trust NAME|[USER@]HOST[:PORT] [--fingerprint SHA256:…] [--yes] [--replace] [--json]`:
// reads the host key the host presents (no login needed), shows its fingerprint, and pins it for
// the host's address — the app's known-hosts pin, through the same code as its "Trust this key" —
// only once the person confirmed it: --fingerprint equal to what the host presents, or --yes. A key
// already pinned and the same is said so (exit 0); a changed one is refused, naming both keys:
// trusting never replaces a pin. Only `--replace --fingerprint NEW` does, with NEW the key the
// person checked on the re-keyed host and the host presenting exactly it (--yes is not enough).
import os from 'node:os';
import { SSH_FINGERPRINT } from '../../../src-shared/contract/methods/hosts';
import { sshLoginOf } from '../../core/hosts/ssh-address';
import { KnownHosts, pinAddress } from '../../core/hosts/ssh/host-keys';
import { presentedHostKey } from '../../core/hosts/ssh/presented-host-key';
import { PinnedKeyConflict, replaceHostKey, trustHostKey, type TrustOutcome } from '../../core/hosts/ssh/trust-host-key';
import { describeHost } from '../../core/hosts/worker-registry';
import type { ShoalCore } from '../../core/shoal';
import { cliActor, flagString, UsageError, type CliIo } from '../io';
import { parseSshTarget } from './ssh-target';

/** How it went: exit 0 for pinned, already_pinned and replaced, 1 otherwise. */
type Outcome = 'pinned' | 'already_pinned' | 'replaced' | 'unconfirmed' | 'mismatch' | 'changed' | 'unreachable';
const DONE: ReadonlySet<Outcome> = new Set(['pinned', 'already_pinned', 'replaced']);

interface Where {
  /** "worker box: " for a kept worker, "" for an address. */
  lead: string;
  login: { host: string; port: number; user: string };
  address: string;
  /** A kept worker's own pinned key: its connection checks it before the data dir's pin. */
  workerKey: string | null;
  /** The kept worker's name, or null for an address. */
  worker: string | null;
}

function whereOf(core: ShoalCore, target: string): Where {
  // A kept worker's name first: names and host names look alike, and the worker's own pin counts.
  const kept = core.workerRegistry.get(target);
  if (kept) {
    const login = sshLoginOf(kept.host, kept.dockerHost);
    if (!login) throw new UsageError(`worker ${kept.name} does not log in over SSH (${describeHost(kept.host, kept.dockerHost)}): it has no host key to trust`);
    return { lead: `worker ${kept.name}: `, login, address: pinAddress(login.host, login.port), workerKey: kept.hostKey, worker: kept.name };
  }
  const t = parseSshTarget(target, 'target');
  const login = { host: t.host, port: t.port ?? 22, user: t.user ?? os.userInfo().username };
  return { lead: '', login, address: pinAddress(login.host, login.port), workerKey: null, worker: null };
}

export async function trust(core: ShoalCore, target: string | undefined, flags: Map<string, string | true>, io: CliIo): Promise<number> {
  if (!target) throw new UsageError('which host? e.g. `shoal workers trust me@10.0.0.5:22` or `shoal workers trust gpu-box` (a kept worker)');
  const given = flagString(flags, 'fingerprint');
  if (given !== undefined && !SSH_FINGERPRINT.test(given)) throw new UsageError(`--fingerprint: "${given}" is not SHA256: and 43 base64 characters, as \`ssh-keygen -lf\` prints it`);
  const replace = flags.get('replace') === true;
  if (replace && given === undefined) throw new UsageError('--replace needs --fingerprint SHA256:…, the new key as you checked it on the host (--yes is not enough to replace a pinned key)');
  const json = flags.get('json') === true;
  const where = whereOf(core, target);
  const { lead, address } = where;
  const pinnedBefore = where.workerKey ?? KnownHosts.inDataDir(core.dataDir).get(address);
  const actor = { dataDir: core.dataDir, audit: core.audit, actor: cliActor(io) };
  const report = (outcome: Outcome, fingerprint: string | null, message: string): number => {
    const ok = DONE.has(outcome);
    if (json) {
      const pinned = outcome === 'pinned' || outcome === 'replaced' ? fingerprint : pinnedBefore;
      io.stdout.write(JSON.stringify({ target, address, fingerprint, pinned, outcome, ...(outcome === 'replaced' ? { replaced: pinnedBefore } : {}), ...(ok ? {} : { error: message }) }) + '\n');
    } else {
      io.stderr.write(`${message}\n`);
    }
    return ok ? 0 : 1;
  };

  let presented: string;
  try {
    presented = await presentedHostKey(where.login);
  } catch (e) {
    return report('unreachable', null, `${lead}${(e as Error).message}; nothing was pinned`);
  }
  if (!json) io.stdout.write(`${address} ${presented}\n`);
  if (given !== undefined && given !== presented) {
    return report('mismatch', presented, `${lead}host key of ${address} is ${presented}, not the ${given} you gave; nothing was pinned (check the host: its key may have been replaced, or another machine answers at that address)`);
  }
  if (pinnedBefore && pinnedBefore !== presented) {
    if (!replace) {
      return report('changed', presented, `${lead}host key of ${address} changed: pinned ${pinnedBefore}, the host now presents ${presented}; refused (Shoal never trusts another key over a pinned one; `
        + `if the host was really re-keyed, check its new key there and replace the pin: shoal workers trust ${target} --replace --fingerprint <the key you checked>)`);
    }
    // --fingerprint equals what the host presents (checked above): the person checked this very key.
    if (!replaceHostKey(actor, address, pinnedBefore, presented, where.worker ? { registry: core.workerRegistry, name: where.worker } : undefined)) {
      return report('changed', presented, `${lead}the pin of ${address} changed while this ran (it is no longer ${pinnedBefore}); nothing was replaced, try again`);
    }
    return report('replaced', presented, `${lead}replaced the pinned host key of ${address}: was ${pinnedBefore}, now ${presented}`);
  }
  if (!pinnedBefore && given === undefined && flags.get('yes') !== true) {
    return report('unconfirmed', presented, `${lead}host key of ${address} is not pinned yet: ${presented}\n`
      + 'nothing was pinned: check it against the host (there: `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`), then confirm it with\n'
      + `  shoal workers trust ${target} --fingerprint ${presented}`);
  }
  let done: TrustOutcome;
  try {
    done = trustHostKey(actor, address, presented, where.workerKey);
  } catch (e) {
    // Pinned by someone else since the look above.
    if (e instanceof PinnedKeyConflict) return report('changed', presented, `${lead}${e.message}`);
    throw e;
  }
  return done === 'pinned'
    ? report('pinned', presented, `${lead}pinned host key of ${address}: ${presented}`)
    : report('already_pinned', presented, `${lead}host key of ${address} is already pinned, and the host presents that key: ${presented}`);
}
