// `shoal workers trust`: reads the key a real OpenSSH server presents, pins it only once confirmed
// (--fingerprint equal to it, or --yes), says so when it is pinned already, and refuses a changed
// key whatever the flags, naming both — the same pin the app's "Trust this key" writes, which
// `workers add` then uses without --accept-new-host-key.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KnownHosts } from '../core/hosts/ssh/host-keys';
import { freePort } from '../core/test-support/free-port';
import { tempDir } from '../core/test-support/temp-core';
import { useSshd } from '../core/test-support/use-hosts';
import { runCli } from './test-support/cli';

const sshd = useSshd();
const OTHER = `SHA256:${'A'.repeat(43)}`;

function store(): { dir: string; db: string; pinned: () => string | null } {
  const dir = tempDir('shoal-trust-');
  const address = () => `127.0.0.1:${sshd.port}`;
  return { dir, db: path.join(dir, 'shoal.db'), pinned: () => KnownHosts.inDataDir(dir).get(address()) };
}

describe('shoal workers trust', () => {
  it('shows the key and pins nothing until it is confirmed; a wrong --fingerprint is refused; the right one pins it, once', async () => {
    const s = store();
    const target = `${sshd.user}@127.0.0.1:${sshd.port}`;
    const address = `127.0.0.1:${sshd.port}`;

    const shown = await runCli(['workers', 'trust', target, '--db', s.db]);
    expect(shown.code).toBe(1);
    expect(shown.stdout).toBe(`${address} ${sshd.fingerprint}\n`);
    expect(shown.stderr).toContain(`host key of ${address} is not pinned yet: ${sshd.fingerprint}`);
    expect(shown.stderr).toContain(`shoal workers trust ${target} --fingerprint ${sshd.fingerprint}`);
    expect(s.pinned()).toBeNull();

    const wrong = await runCli(['workers', 'trust', target, '--fingerprint', OTHER, '--db', s.db]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`host key of ${address} is ${sshd.fingerprint}, not the ${OTHER} you gave; nothing was pinned`);
    expect(s.pinned()).toBeNull();

    const pinned = await runCli(['workers', 'trust', target, '--fingerprint', sshd.fingerprint, '--db', s.db]);
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(pinned.stderr).toContain(`pinned host key of ${address}: ${sshd.fingerprint}`);
    expect(s.pinned()).toBe(sshd.fingerprint);

    const again = await runCli(['workers', 'trust', target, '--db', s.db, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ target, address, fingerprint: sshd.fingerprint, pinned: sshd.fingerprint, outcome: 'already_pinned' });

    // The pin is the one connections check: a worker there is added without --accept-new-host-key.
    const added = await runCli(['workers', 'add', 'box', '--ssh', target, '--identity', sshd.identity, '--db', s.db]);
    expect(added.code, added.stderr).toBe(0);
    // By its name, a kept worker's key is looked up through its own pin.
    const byName = await runCli(['workers', 'trust', 'box', '--db', s.db]);
    expect(byName.code, byName.stderr).toBe(0);
    expect(byName.stderr).toContain(`worker box: host key of ${address} is already pinned, and the host presents that key: ${sshd.fingerprint}`);
  });

  it('--yes pins what the host presents, audited, as --json says', async () => {
    const s = store();
    const r = await runCli(['workers', 'trust', `127.0.0.1:${sshd.port}`, '--yes', '--json', '--db', s.db]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ target: `127.0.0.1:${sshd.port}`, address: `127.0.0.1:${sshd.port}`, fingerprint: sshd.fingerprint, pinned: sshd.fingerprint, outcome: 'pinned' });
    expect(s.pinned()).toBe(sshd.fingerprint);
    const db = new Database(s.db, { readonly: true });
    try {
      expect(db.prepare(`SELECT actor, action, subject, detail FROM audit_log WHERE action = 'hostkey.trusted'`).all()).toEqual([
        { actor: expect.stringMatching(/^cli:/), action: 'hostkey.trusted', subject: `127.0.0.1:${sshd.port}`, detail: JSON.stringify({ fingerprint: sshd.fingerprint }) },
      ]);
    } finally {
      db.close();
    }
  });

  it('refuses a changed key whatever the flags, naming the host and both keys, and leaves the pin alone', async () => {
    const s = store();
    const address = `127.0.0.1:${sshd.port}`;
    KnownHosts.inDataDir(s.dir).pin(address, OTHER); // as if the host had another key when it was trusted
    for (const flags of [[], ['--yes'], ['--fingerprint', sshd.fingerprint]]) {
      const r = await runCli(['workers', 'trust', address, ...flags, '--db', s.db]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`host key of ${address} changed: pinned ${OTHER}, the host now presents ${sshd.fingerprint}; refused`);
    }
    const json = await runCli(['workers', 'trust', address, '--yes', '--json', '--db', s.db]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ address, fingerprint: sshd.fingerprint, pinned: OTHER, outcome: 'changed' });
    expect(s.pinned()).toBe(OTHER);
  });

  it('replaces a pinned key only with --replace and --fingerprint equal to what the host presents; a kept worker\'s own pin too', async () => {
    const s = store();
    const address = `127.0.0.1:${sshd.port}`;
    KnownHosts.inDataDir(s.dir).pin(address, OTHER);
    const needsKey = await runCli(['workers', 'trust', address, '--replace', '--yes', '--db', s.db]);
    expect(needsKey.code).toBe(2);
    expect(needsKey.stderr).toContain('--replace needs --fingerprint SHA256:…');
    const refused = await runCli(['workers', 'trust', address, '--db', s.db]);
    expect(refused.stderr).toContain(`shoal workers trust ${address} --replace --fingerprint <the key you checked>`);
    const wrong = await runCli(['workers', 'trust', address, '--replace', '--fingerprint', `SHA256:${'B'.repeat(43)}`, '--db', s.db]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('nothing was pinned');
    expect(s.pinned()).toBe(OTHER);
    const replaced = await runCli(['workers', 'trust', address, '--replace', '--fingerprint', sshd.fingerprint, '--json', '--db', s.db]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(JSON.parse(replaced.stdout)).toEqual({ target: address, address, fingerprint: sshd.fingerprint, pinned: sshd.fingerprint, outcome: 'replaced', replaced: OTHER });
    expect(s.pinned()).toBe(sshd.fingerprint);

    // A kept worker pinned to a key its host no longer has: refused until replaced, then usable.
    const target = `${sshd.user}@${address}`;
    expect((await runCli(['workers', 'add', 'box', '--ssh', target, '--identity', sshd.identity, '--db', s.db])).code).toBe(0);
    const db = new Database(s.db);
    try {
      db.prepare('UPDATE worker_registry SET host_key = ? WHERE name = ?').run(OTHER, 'box');
    } finally {
      db.close();
    }
    const test = await runCli(['workers', 'test', 'box', '--db', s.db]);
    expect(test.code).toBe(1);
    expect(test.stderr).toContain(`host key of ${address} changed: expected ${OTHER}, got ${sshd.fingerprint}`);
    const byName = await runCli(['workers', 'trust', 'box', '--db', s.db]);
    expect(byName.code).toBe(1);
    expect(byName.stderr).toContain(`worker box: host key of ${address} changed: pinned ${OTHER}, the host now presents ${sshd.fingerprint}; refused`);
    const fixed = await runCli(['workers', 'trust', 'box', '--replace', '--fingerprint', sshd.fingerprint, '--db', s.db]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).toContain(`worker box: replaced the pinned host key of ${address}: was ${OTHER}, now ${sshd.fingerprint}`);
    expect(JSON.parse((await runCli(['workers', 'list', '--json', '--db', s.db])).stdout)[0]).toMatchObject({ name: 'box', host_key: sshd.fingerprint });
    expect((await runCli(['workers', 'test', 'box', '--db', s.db])).code).toBe(0);
    const audit = new Database(s.db, { readonly: true });
    try {
      expect(audit.prepare(`SELECT subject, detail FROM audit_log WHERE action = 'hostkey.replaced' ORDER BY id`).all()).toEqual([
        { subject: address, detail: JSON.stringify({ from: OTHER, to: sshd.fingerprint }) },
        { subject: address, detail: JSON.stringify({ from: OTHER, to: sshd.fingerprint, worker: 'box' }) },
      ]);
    } finally {
      audit.close();
    }
  });

  it('a changed key names the command that replaces its pin, and following it lets the worker in', async () => {
    const s = store();
    const address = `127.0.0.1:${sshd.port}`;
    const target = `${sshd.user}@${address}`;
    // The address's pin is an older key (a worker kept there before, removed since): the host was re-keyed.
    KnownHosts.inDataDir(s.dir).pin(address, OTHER);
    const refused = await runCli(['workers', 'add', 'box', '--ssh', target, '--identity', sshd.identity, '--db', s.db]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`host key of ${address} changed: expected ${OTHER}, got ${sshd.fingerprint}`);
    // Removing and adding the worker again (what it said before) never gets past the address's pin.
    expect(refused.stderr).not.toContain('re-add');
    const advice = /shoal workers trust (\S+) --replace --fingerprint <the key you checked>/.exec(refused.stderr);
    expect(advice?.[1]).toBe(address);
    const replaced = await runCli(['workers', 'trust', advice![1]!, '--replace', '--fingerprint', sshd.fingerprint, '--db', s.db]);
    expect(replaced.code, replaced.stderr).toBe(0);
    const added = await runCli(['workers', 'add', 'box', '--ssh', target, '--identity', sshd.identity, '--db', s.db]);
    expect(added.code, added.stderr).toBe(0);

    // A kept worker's own pin: the advice names the worker, whose pin `trust NAME --replace` moves.
    const db = new Database(s.db);
    try {
      db.prepare('UPDATE worker_registry SET host_key = ? WHERE name = ?').run(OTHER, 'box');
    } finally {
      db.close();
    }
    const test = await runCli(['workers', 'test', 'box', '--db', s.db]);
    expect(test.code).toBe(1);
    expect(test.stderr).toContain("shoal workers trust <the worker's name> --replace --fingerprint <the key you checked>");
  });

  it('says why when the host cannot be reached or the input is wrong, pinning nothing', async () => {
    const s = store();
    const closed = await freePort();
    const down = await runCli(['workers', 'trust', `127.0.0.1:${closed}`, '--yes', '--db', s.db]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`ssh `);
    expect(down.stderr).toContain(`@127.0.0.1:${closed}: connection refused (is sshd running there?); nothing was pinned`);
    const badFp = await runCli(['workers', 'trust', `127.0.0.1:${sshd.port}`, '--fingerprint', 'MD5:ab:cd', '--db', s.db]);
    expect(badFp.code).toBe(2);
    expect(badFp.stderr).toContain('--fingerprint: "MD5:ab:cd" is not SHA256: and 43 base64 characters');
    const none = await runCli(['workers', 'trust', '--db', s.db]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('which host?');
    const badTarget = await runCli(['workers', 'trust', 'me@box:99999', '--db', s.db]);
    expect(badTarget.code).toBe(2);
    expect(badTarget.stderr).toContain('target: port 99999 is out of range');
    expect(fs.existsSync(path.join(s.dir, 'known-hosts.json'))).toBe(false);
  });
});
