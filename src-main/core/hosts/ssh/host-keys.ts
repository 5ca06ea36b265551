// SSH host keys are pinned: the first key seen for host:port is refused (its SHA256 fingerprint
// shown) unless the person accepted it, and a key that changed is always refused. Pins live in the
// data dir (known-hosts.json), or come with a kept worker (its accepted fingerprint).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** OpenSSH's format: "SHA256:" + unpadded base64 of the SHA-256 of the key blob. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${crypto.createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** How the CLI's user accepts an unknown key; the app's dialog says it its own way (a checkbox). */
export const ACCEPT_ON_THE_CLI = 'accept it with --accept-new-host-key (shoal workers add) or --accept-new-host-keys (shoal run) after checking it, or pin it with `shoal workers trust [USER@]HOST[:PORT]`';

/** The address a host key is pinned for: host:port, an IPv6 literal in brackets as OpenSSH writes
 *  it ("[::1]:22"), so the port cannot be read as part of the address. */
export function pinAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** An IPv6 address as pins made before pinAddress bracketed it ("::1:22"), so those still count. */
function unbracketed(hostPort: string): string | null {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(hostPort);
  return m ? `${m[1]}:${m[2]}` : null;
}

export class HostKeyError extends Error {
  constructor(readonly kind: 'unknown' | 'changed', readonly host: string, readonly fingerprint: string, message: string) {
    super(message);
    this.name = 'HostKeyError';
  }
}

/** Told of a key pinned because the person accepted new keys (`--accept-new-host-key[s]`): trusting
 *  a host is a decision the audit log keeps, however it was made. */
export type OnHostKeyPinned = (address: string, fingerprint: string) => void;

export class KnownHosts {
  constructor(private readonly file: string, private readonly onPinned: OnHostKeyPinned | null = null) {}

  static inDataDir(dataDir: string, onPinned: OnHostKeyPinned | null = null): KnownHosts {
    return new KnownHosts(path.join(dataDir, 'known-hosts.json'), onPinned);
  }

  private read(): Record<string, string> {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  get(hostPort: string): string | null {
    const all = this.read();
    const legacy = unbracketed(hostPort);
    return all[hostPort] ?? (legacy === null ? null : all[legacy] ?? null);
  }

  pin(hostPort: string, fingerprint: string): void {
    const all = this.read();
    all[hostPort] = fingerprint;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    // Whole file or nothing: a crash mid-write never loses the other pins.
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  /** Decides on a key the server presented; throws HostKeyError naming the host when refused. */
  check(hostPort: string, fingerprint: string, opts: { pinned?: string | null; acceptNew?: boolean }): void {
    const known = opts.pinned ?? this.get(hostPort);
    if (known === fingerprint) return;
    if (known) {
      // Removing and adding the worker again would not help: the address keeps its pin. The pin is
      // replaced where it is held, the worker's own (by its name) or the address's.
      const holder = opts.pinned ? "<the worker's name>" : hostPort;
      throw new HostKeyError('changed', hostPort, fingerprint,
        `host key of ${hostPort} changed: expected ${known}, got ${fingerprint}; refusing to connect (if the host was really re-keyed, check its new key there, then replace the pin: shoal workers trust ${holder} --replace --fingerprint <the key you checked>)`);
    }
    if (!opts.acceptNew) {
      throw new HostKeyError('unknown', hostPort, fingerprint,
        `host key of ${hostPort} is not known: ${fingerprint}; ${ACCEPT_ON_THE_CLI}`);
    }
    this.pin(hostPort, fingerprint);
    this.onPinned?.(hostPort, fingerprint);
  }
}
