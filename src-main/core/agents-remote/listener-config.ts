// The agent listener's settings (Settings → Workers, `shoal serve --agents-listen …`) and the rules
// every one of them must pass before anything listens: one checker for both, so the app cannot open
// a door the CLI would refuse. An error names the field as the caller spells it (a contract field in
// the UI, a flag on the command line).
import fs from 'node:fs';
import tls from 'node:tls';
import { z } from 'zod';
import { setting } from '../store/settings-table';

export const DEFAULT_LEASE_SECONDS = 600;
export const DEFAULT_HEARTBEAT_SECONDS = 5;

export const ListenerConfigSchema = z.object({
  listen: z.string(),
  leaseSeconds: z.number().int(),
  heartbeatSeconds: z.number().int(),
  tlsCert: z.string().nullable(),
  tlsKey: z.string().nullable(),
  insecure: z.boolean(),
});
export type ListenerConfig = z.infer<typeof ListenerConfigSchema>;

/** What the host starts again on its next start: the last configuration, and whether it was on. */
export const LISTENER_CONFIG = setting<{ enabled: boolean; config: ListenerConfig } | null>(
  'agents.listenerConfig', z.object({ enabled: z.boolean(), config: ListenerConfigSchema }).nullable(), null);

export type ListenerField = keyof ListenerConfig;

/** The CLI's spelling of each field, for `shoal serve`'s messages. */
export const CLI_FIELD_NAMES: Record<ListenerField, string> = {
  listen: '--agents-listen', leaseSeconds: '--lease-seconds', heartbeatSeconds: '--heartbeat-seconds', tlsCert: '--tls-cert', tlsKey: '--tls-key', insecure: '--insecure-agents',
};

export class ListenerConfigError extends Error {
  constructor(readonly field: ListenerField, message: string) {
    super(message);
    this.name = 'ListenerConfigError';
  }
}

/** The addresses taken as this machine only. Deliberately narrow: any other address (even another
 *  127.x one a port forward or container might expose) needs TLS or an explicit opt-out. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '::1' || host === '[::1]';
}

/** HOST:PORT, [v6]:PORT or just PORT (loopback); null when it is none of these. */
export function splitListenAddress(text: string): { host: string; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text.trim()) ?? /^()()(\d+)$/.exec(text.trim());
  if (!m) return null;
  return { host: m[1] || m[2] || '127.0.0.1', port: Number(m[3]) };
}

export interface CheckedListener {
  host: string;
  port: number;
  tls: { certFile: string; keyFile: string } | null;
  insecure: boolean;
  leaseMs: number;
  heartbeatMs: number;
}

/** Checks a configuration and turns it into the listener's options; throws ListenerConfigError. */
export function checkListenerConfig(c: ListenerConfig, names: (f: ListenerField) => string = (f) => f): CheckedListener {
  const fail = (field: ListenerField, what: string): never => {
    throw new ListenerConfigError(field, `${names(field)}: ${what}`);
  };
  const addr = splitListenAddress(c.listen);
  if (!addr) return fail('listen', `"${c.listen}" is not HOST:PORT (for example 127.0.0.1:7071)`);
  if (addr.port > 65535) fail('listen', `port ${addr.port} is out of range (0–65535)`);
  if (!Number.isInteger(c.leaseSeconds) || c.leaseSeconds < 1 || c.leaseSeconds > 86_400) fail('leaseSeconds', 'must be a whole number of seconds from 1 to 86400');
  if (!Number.isInteger(c.heartbeatSeconds) || c.heartbeatSeconds < 1 || c.heartbeatSeconds > 3_600) fail('heartbeatSeconds', 'must be a whole number of seconds from 1 to 3600');
  const cert = c.tlsCert?.trim() || null;
  const key = c.tlsKey?.trim() || null;
  if (cert && !key) fail('tlsKey', `required with ${names('tlsCert')}`);
  if (key && !cert) fail('tlsCert', `required with ${names('tlsKey')}`);
  if (cert && key) {
    const read = (field: ListenerField, file: string): Buffer => {
      try {
        return fs.readFileSync(file);
      } catch (e) {
        return fail(field, `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    };
    const certPem = read('tlsCert', cert);
    const keyPem = read('tlsKey', key);
    try {
      tls.createSecureContext({ cert: certPem });
    } catch (e) {
      fail('tlsCert', `${cert} is not a usable PEM certificate (${(e as Error).message})`);
    }
    try {
      tls.createSecureContext({ cert: certPem, key: keyPem });
    } catch (e) {
      fail('tlsKey', `${key} is not the private key of ${cert} (${(e as Error).message})`);
    }
  }
  if (!isLoopback(addr.host) && !cert && !c.insecure) {
    fail('listen', `${addr.host} is not a loopback address, so it needs ${names('tlsCert')} and ${names('tlsKey')}, or ${names('insecure')} to send agents' credentials and code unencrypted over the network`);
  }
  return {
    host: addr.host, port: addr.port, tls: cert && key ? { certFile: cert, keyFile: key } : null, insecure: c.insecure,
    leaseMs: c.leaseSeconds * 1000, heartbeatMs: c.heartbeatSeconds * 1000,
  };
}
