// Kept workers from the Workers view: test a host, add (tested first), list, remove. A key file (an
// SSH host's, or a Docker daemon's reached over ssh://) is read here and sealed by the registry; the
// renderer only ever learns whether one is stored.
import os from 'node:os';
import { ShoalError } from '../../../../src-shared/contract';
import type { HostCheck, hostsMethods } from '../../../../src-shared/contract/methods/hosts';
import type { FleetHostSpec } from '../../../../src-shared/protocol/fleet';
import { probeHost, probeKept, type HostCheck as ProbedHost } from '../../hosts/probe-host';
import { PinnedKeyConflict, pinForAddressUnlessPinned, trustHostKey } from '../../hosts/ssh/trust-host-key';
import { sshAddressOf } from '../../hosts/ssh-address';
import { readIdentityFile, takesSshKey } from '../../hosts/ssh/identity-file';
import { describeHost, WorkerNameTaken } from '../../hosts/worker-registry';
import type { CoreServices } from '../services';
import type { MethodParsedInput } from '../../../../src-shared/contract';
import type { Handler } from '../dispatch';
import { TRUST_IN_THE_DIALOG, withAppAdvice } from '../host-key-advice';
import { withWorker } from '../../../../src-shared/protocol/worker-reason';

type HostInput = MethodParsedInput<'workers.test'>['host'];

function toHostSpec(h: HostInput): { host: FleetHostSpec; dockerHost: string | null; privateKey: string | null } {
  if (h.kind === 'local') return { host: { kind: 'local' }, dockerHost: null, privateKey: null };
  const dockerHost = h.kind === 'docker' ? h.dockerHost || null : null;
  let identity: { file: string; privateKey: string } | null = null;
  if (h.identity) {
    // Refused rather than ignored: a key kept for a login that never uses it would mislead.
    if (!takesSshKey(h.kind, dockerHost)) throw new ShoalError('invalid_input', `identity: a key file is only for a Docker host reached over ssh://, not ${dockerHost ?? 'the default (DOCKER_HOST or the local socket)'}`);
    try {
      identity = readIdentityFile(h.identity, null);
    } catch (e) {
      throw new ShoalError('invalid_input', `identity: ${(e as Error).message}`);
    }
  }
  const privateKey = identity?.privateKey ?? null;
  // A Docker worker's spec has no identity field: its key lives only sealed, beside the docker host.
  if (h.kind === 'docker') return { host: { kind: 'docker', image: h.image, args: h.args ?? [] } as FleetHostSpec, dockerHost, privateKey };
  const host = { kind: 'ssh', host: h.host, ...(h.port ? { port: h.port } : {}), user: h.user || os.userInfo().username, ...(identity ? { identity: identity.file } : {}) } as FleetHostSpec;
  return { host, dockerHost: null, privateKey };
}

async function check(core: CoreServices, name: string, h: HostInput, acceptHostKey: string | undefined): Promise<HostCheck & { spec: ReturnType<typeof toHostSpec> }> {
  const spec = toHostSpec(h);
  // Accepting means pinning exactly the fingerprint the person was shown: a different key is refused.
  // This computer's agent CLIs as Settings → Agents points at them, as `shoal workers test local` finds them.
  const probe = await probeHost(spec.host, {
    dataDir: core.dataDir, workerName: name, dockerHost: spec.dockerHost, privateKey: spec.privateKey, hostKey: acceptHostKey ?? null, agentBins: () => core.agentBinaries.bins(),
  });
  const unknown = probe.unknownHostKey;
  // The dialog trusts a key with its checkbox, not with the CLI's flags.
  return { ...checkOf(probe, unknown && probe.error ? withAppAdvice(probe.error, TRUST_IN_THE_DIALOG) : probe.error), spec };
}

/** A probe as the Workers view shows it, with the error it should read. */
function checkOf(probe: ProbedHost, error: string | undefined): HostCheck {
  return {
    ok: probe.ok, ...(error ? { error } : {}), unknownHostKey: probe.unknownHostKey, hostKey: probe.hostKey,
    git: probe.git, agents: probe.agents, cpus: probe.cpus, memoryMb: probe.memoryMb, os: probe.os,
  };
}

export function hostsHandlers(core: CoreServices): { [M in keyof typeof hostsMethods]: Handler<M> } {
  return {
    'workers.kept': () => core.workerRegistry.list().map((w) => ({
      name: w.name, kind: w.host.kind, target: describeHost(w.host, w.dockerHost), capabilities: w.capabilities, maxTasks: w.maxTasks, hostKey: w.hostKey, keySealed: w.hasSecret,
    })),
    'workers.test': async ({ host, acceptHostKey }) => {
      const { spec: _spec, ...result } = await check(core, 'new worker', host, acceptHostKey);
      return result;
    },
    // A kept worker tested as the engine would reach it (as `shoal workers test NAME`): its pinned
    // key must match; a key that changed is refused with what to do, never accepted from here.
    'workers.testKept': async ({ name }) => {
      const kept = core.workerRegistry.forEngine(name);
      if (!kept) throw new ShoalError('not_found', `No kept worker "${name}".`);
      const probe = await probeKept(name, kept, { dataDir: core.dataDir, agentBins: () => core.agentBinaries.bins() });
      return checkOf(probe, probe.error ? withWorker(name, probe.error) : undefined);
    },
    'workers.add': async ({ name, host, acceptHostKey, capabilities, maxTasks }) => {
      if (core.workerRegistry.get(name)) throw new ShoalError('conflict', `A worker "${name}" already exists.`);
      const { spec, ...result } = await check(core, name, host, acceptHostKey);
      if (!result.ok) return result; // nothing kept; the dialog shows why
      // The running engine registers it on hearing of the change (as for `shoal workers add`).
      try {
        core.workerRegistry.add({ name, host: spec.host, capabilities: capabilities ?? [], maxTasks: maxTasks ?? null, dockerHost: spec.dockerHost, hostKey: result.hostKey, privateKey: spec.privateKey });
      } catch (e) {
        // Kept meanwhile by another add of the same name (a second click, another window, the CLI).
        if (e instanceof WorkerNameTaken) throw new ShoalError('conflict', `A worker "${name}" already exists.`);
        throw new ShoalError('invalid_input', (e as Error).message);
      }
      // The key the person checked and trusted is pinned for its address too, as the CLI's
      // `workers add --accept-new-host-key` does: a spec's own worker there is then trusted alike
      // (what the launch preview tells a person to do). An address already pinned keeps its pin.
      const address = acceptHostKey && result.hostKey === acceptHostKey ? sshAddressOf(spec.host, spec.dockerHost) : null;
      if (address) pinForAddressUnlessPinned({ dataDir: core.dataDir, audit: core.audit, actor: 'you' }, address, acceptHostKey!, 'trusted');
      return result;
    },
    // The launch preview's "Trust this key": pins what the person was shown for a spec's own worker,
    // without keeping a worker there. A changed key is never replaced from the app.
    'workers.trustHostKey': ({ address, fingerprint }) => {
      const port = Number(address.slice(address.lastIndexOf(':') + 1));
      if (port < 1 || port > 65535) throw new ShoalError('invalid_input', `address: port ${port} is not between 1 and 65535`);
      try {
        trustHostKey({ dataDir: core.dataDir, audit: core.audit, actor: 'you' }, address, fingerprint);
      } catch (e) {
        if (e instanceof PinnedKeyConflict) throw new ShoalError('conflict', e.message);
        throw e;
      }
      return { ok: true };
    },
    // The running engine stops placing work there on hearing of the change (as for `shoal workers remove`).
    'workers.remove': ({ name }) => ({ ok: core.workerRegistry.remove(name) }),
  };
}
