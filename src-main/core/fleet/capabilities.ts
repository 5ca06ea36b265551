// What this computer can do, as capability names a task may require (`metadata.requires`).
import { execFileSync } from 'node:child_process';

let cached: string[] | null = null;

function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function detectCapabilities(extra: string[] = []): string[] {
  if (!cached) {
    const caps = new Set(['local', 'shell', process.platform]);
    for (const [cmd, cap] of [['git', 'git'], ['claude', 'claude-code'], ['codex', 'codex'], ['docker', 'docker'], ['podman', 'docker']] as const) {
      if (hasCommand(cmd)) caps.add(cap);
    }
    cached = [...caps];
  }
  return [...new Set([...cached, ...extra])];
}
