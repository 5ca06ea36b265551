// A worker with no identity of its own logs in the way `ssh` would: through the user's ssh-agent
// (SSH_AUTH_SOCK), else with ~/.ssh/id_*. Against a real OpenSSH server and a real ssh-agent, both
// started here and stopped by the PIDs they were given.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { useSshd } from '../test-support/use-hosts';
import { tempDir } from '../test-support/temp-dir';
import { waitFor } from '../test-support/wait-for';
import { KnownHosts } from './ssh/host-keys';
import { SshConnection } from './ssh/ssh-connection';
import { SshDriver } from './ssh/ssh-driver';

const sshd = useSshd();

// The fallbacks read HOME and SSH_AUTH_SOCK from this process: each test sets its own, then puts them back.
const saved = { HOME: process.env.HOME, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK };
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** A driver for the test server with no identity: only the fallbacks can log it in. */
function keylessDriver(): SshDriver {
  return new SshDriver(new SshConnection({ host: '127.0.0.1', port: sshd.port, user: sshd.user, identity: null }, { known: KnownHosts.inDataDir(tempDir()), pinned: sshd.fingerprint }));
}

async function probeKeyless(): Promise<{ ok: boolean; error?: string }> {
  const d = keylessDriver();
  try {
    return await d.probe();
  } finally {
    await d.close();
  }
}

describe('ssh key fallbacks', () => {
  it('logs in through the ssh-agent at SSH_AUTH_SOCK', async () => {
    const home = tempDir('shoal-home-'); // no ~/.ssh keys here: only the agent can help
    const sock = path.join(tempDir('shoal-agent-'), 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      await waitFor('the ssh-agent socket', () => fs.existsSync(sock), 10_000);
      execFileSync('ssh-add', ['-q', sshd.identity], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      process.env.HOME = home;
      delete process.env.SSH_AUTH_SOCK;
      expect((await probeKeyless()).error).toContain('authentication refused'); // without the agent: no key at all
      process.env.SSH_AUTH_SOCK = sock;
      expect(await probeKeyless()).toMatchObject({ ok: true });
    } finally {
      agent.kill('SIGTERM');
    }
  });

  it('passes over a passphrase-protected ~/.ssh/id_ed25519 for the agent, and for a usable ~/.ssh/id_rsa', async () => {
    const home = tempDir('shoal-home-');
    fs.mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'a passphrase', '-f', path.join(home, '.ssh', 'id_ed25519')]);
    process.env.HOME = home;
    const sock = path.join(tempDir('shoal-agent-'), 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      await waitFor('the ssh-agent socket', () => fs.existsSync(sock), 10_000);
      execFileSync('ssh-add', ['-q', sshd.identity], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      process.env.SSH_AUTH_SOCK = sock;
      expect(await probeKeyless()).toMatchObject({ ok: true });
    } finally {
      agent.kill('SIGTERM');
    }
    // No agent: the next default key file that needs no passphrase logs in (ssh tries each, too).
    delete process.env.SSH_AUTH_SOCK;
    fs.copyFileSync(sshd.identity, path.join(home, '.ssh', 'id_rsa'));
    fs.chmodSync(path.join(home, '.ssh', 'id_rsa'), 0o600);
    expect(await probeKeyless()).toMatchObject({ ok: true });
  });

  it('logs in with ~/.ssh/id_ed25519 when there is no agent', async () => {
    const home = tempDir('shoal-home-');
    fs.mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
    fs.copyFileSync(sshd.identity, path.join(home, '.ssh', 'id_ed25519'));
    fs.chmodSync(path.join(home, '.ssh', 'id_ed25519'), 0o600);
    delete process.env.SSH_AUTH_SOCK;
    process.env.HOME = home;
    expect(await probeKeyless()).toMatchObject({ ok: true });
  });
});
