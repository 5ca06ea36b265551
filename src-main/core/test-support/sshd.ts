// A throwaway OpenSSH server on 127.0.0.1 for tests, started with the repo's own recipe
// (scripts/infra/sshd-up). A machine without sshd fails the test with the recipe's clear message;
// nothing is skipped. Log in as the current user (root in CI) with the client key it made; its
// sessions' HOME is a folder of the server's own, so what Shoal writes "remotely" goes with it.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fingerprintOf } from '../hosts/ssh/host-keys';
import { tempDir } from './temp-dir';

const RECIPES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/infra');

export interface TestSshd {
  dir: string;
  pid: number;
  port: number;
  user: string;
  /** Shoal's folder "on the remote" (~/.shoal there): its sessions' $HOME is inside `dir`, not the
   *  real home of the user running the tests. */
  shoalRoot: string;
  /** The client private key file. */
  identity: string;
  /** The server's host key fingerprint (SHA256:...). */
  fingerprint: string;
  stop(): void;
}

/** `maxSessions`: sshd's MaxSessions (the recipe's default is 200, a stock server's 10); `shell`:
 *  the shell every command runs in, as a user's login shell would be (default: the user's own). */
export function startSshd(dir = tempDir('shoal-sshd-'), opts: { maxSessions?: number; shell?: string } = {}): TestSshd {
  let out: string;
  const env = {
    ...process.env,
    ...(opts.maxSessions === undefined ? {} : { SSHD_UP_MAX_SESSIONS: String(opts.maxSessions) }),
    ...(opts.shell === undefined ? {} : { SSHD_UP_SHELL: opts.shell }),
  };
  try {
    out = execFileSync(path.join(RECIPES, 'sshd-up'), [dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
  } catch (e) {
    throw new Error(`could not start a test sshd: ${String((e as { stderr?: string }).stderr ?? e).trim()}`);
  }
  const [pid, port] = out.trim().split(/\s+/).map(Number);
  const pub = fs.readFileSync(path.join(dir, 'ssh_host_ed25519_key.pub'), 'utf8').split(/\s+/)[1]!;
  return {
    dir, pid: pid!, port: port!, user: os.userInfo().username, shoalRoot: path.join(dir, 'home', '.shoal'), identity: path.join(dir, 'id_ed25519'),
    fingerprint: fingerprintOf(Buffer.from(pub, 'base64')),
    stop: () => void execFileSync(path.join(RECIPES, 'sshd-down'), [dir], { stdio: 'ignore' }),
  };
}
