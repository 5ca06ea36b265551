// A throwaway ssh-agent holding one key, for tests of logins that take the user's agent (as a
// person's DOCKER_HOST=ssh://… does). Runs in the foreground as our child; stop() ends it by pid.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './temp-dir';

export interface TestSshAgent { socket: string; pid: number; stop(): void }

export async function startSshAgent(keyFile: string): Promise<TestSshAgent> {
  const socket = path.join(tempDir('shoal-agent-'), 'agent.sock');
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  const deadline = Date.now() + 5_000;
  while (!fs.existsSync(socket)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`ssh-agent did not start (exit ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 20));
  }
  execFileSync('ssh-add', ['-q', keyFile], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
  return { socket, pid: child.pid!, stop: () => void child.kill('SIGTERM') };
}
