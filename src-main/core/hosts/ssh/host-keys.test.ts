// Host keys are pinned per address. An IPv6 literal is written in brackets ("[::1]:22", as OpenSSH
// does), so the port is not read as part of the address: the launch preview's *Trust this key…*
// sends that address back, and main's check of it refused the unbracketed form. Pins made before
// (unbracketed) still count.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostsMethods } from '../../../../src-shared/contract/methods/hosts';
import { sshAddressOf } from '../ssh-address';
import { tempDir } from '../../test-support/temp-dir';
import { KnownHosts, pinAddress } from './host-keys';
import { sshLabel } from './ssh-connection';
import { describeHost } from '../worker-registry';

const FP = `SHA256:${'A'.repeat(43)}`;

describe('pinned addresses', () => {
  it('bracket IPv6 literals only', () => {
    expect(pinAddress('build.example.com', 22)).toBe('build.example.com:22');
    expect(pinAddress('127.0.0.1', 2222)).toBe('127.0.0.1:2222');
    expect(pinAddress('::1', 22)).toBe('[::1]:22');
    expect(pinAddress('[::1]', 22)).toBe('[::1]:22');
    expect(sshAddressOf({ kind: 'ssh', host: '2001:db8::7', port: 2200 } as never, null)).toBe('[2001:db8::7]:2200');
  });

  it('an IPv6 worker\'s address is one the trust method accepts', () => {
    const input = hostsMethods['workers.trustHostKey'].input;
    expect(input.safeParse({ address: sshAddressOf({ kind: 'ssh', host: '2001:db8::7' } as never, null), fingerprint: FP }).success).toBe(true);
    expect(input.safeParse({ address: '2001:db8::7:22', fingerprint: FP }).success).toBe(false);
  });

  it('a pin made unbracketed before still counts for its IPv6 host, and a new one is bracketed', () => {
    const file = path.join(tempDir('shoal-keys-'), 'known-hosts.json');
    fs.writeFileSync(file, JSON.stringify({ '::1:22': FP }));
    const known = new KnownHosts(file);
    expect(known.get(pinAddress('::1', 22))).toBe(FP);
    expect(() => known.check(pinAddress('::1', 22), FP, {})).not.toThrow();
    expect(known.get(pinAddress('::1', 2222))).toBeNull();
    known.pin(pinAddress('::2', 22), FP);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ '[::2]:22': FP });
  });
});

describe('an IPv6 host in errors and the worker list', () => {
  it('is bracketed, so the port is not read as part of the address', () => {
    // It read "ssh root@::1:2222: connection refused" and "ssh root@::1:2222" in `workers list`.
    expect(sshLabel({ user: 'root', host: '::1', port: 2222 })).toBe('ssh root@[::1]:2222');
    expect(describeHost({ kind: 'ssh', host: '::1', port: 2222, user: 'root' } as never)).toBe('ssh root@[::1]:2222');
    expect(sshLabel({ user: 'me', host: '10.0.0.5', port: 22 })).toBe('ssh me@10.0.0.5:22');
  });
});
