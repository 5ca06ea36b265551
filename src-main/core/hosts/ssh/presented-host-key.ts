// The host key an SSH server presents, read without logging in (as `ssh-keyscan` does): the key
// exchange ends at the host-key check, before any credential is offered, so a person can learn and
// check the fingerprint of a host they have no login for yet. The client is ssh2 with its default
// algorithms, as SshConnection's is: the server is asked for the same key type, so the fingerprint
// shown is the one every later connection there is checked against.
import { Client } from 'ssh2';
import { fingerprintOf } from './host-keys';
import { describeSshError, SSH_READY_TIMEOUT_MS, sshLabel } from './ssh-connection';

/** "SHA256:…" of the key `host:port` presents; rejects naming `label` ("ssh me@box:22") and the cause. */
export function presentedHostKey(target: { host: string; port: number; user: string }): Promise<string> {
  const label = sshLabel(target);
  return new Promise<string>((resolve, reject) => {
    const c = new Client();
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      setImmediate(() => c.end()); // not from inside ssh2's own callbacks
    };
    c.on('error', (e: Error) => settle(() => reject(new Error(`${label}: ${describeSshError(e)}`))));
    c.on('close', () => settle(() => reject(new Error(`${label}: connection closed before the host presented its key`))));
    c.on('ready', () => settle(() => reject(new Error(`${label}: logged in without a host key check`)))); // never: the verifier refuses
    try {
      c.connect({
        host: target.host, port: target.port, username: target.user, readyTimeout: SSH_READY_TIMEOUT_MS,
        // Refusing here ends the handshake before authentication: nothing is offered to the host.
        hostVerifier: (key: Buffer) => {
          const fingerprint = fingerprintOf(key);
          settle(() => resolve(fingerprint));
          return false;
        },
      });
    } catch (e) {
      settle(() => reject(new Error(`${label}: ${(e as Error).message}`)));
    }
  });
}
