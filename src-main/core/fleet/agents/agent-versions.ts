// Which coding-agent CLIs a computer has, and their versions, for the worker probe: `claude
// --version` prints "2.1.197 (Claude Code)", `codex --version` "codex-cli 0.171.0". Each is looked
// up on the given PATH (or its SHOAL_*_BIN path) and asked with a short timeout; a missing or
// broken CLI is null, never an error. Codex also says whether Shoal speaks its app-server protocol.
import { versionOf } from './agent-binaries';
import { CODEX_VERSION_RANGE } from './codex-bridge';

export interface AgentVersion {
  version: string;
  /** Whether Shoal drives this version (Codex: its app-server protocol is pinned to a range). */
  supported: boolean;
}

export interface AgentVersions {
  'claude-code': AgentVersion | null;
  codex: AgentVersion | null;
}

/** Whether `version` lies in [min, below). */
export function inRange(version: string, range: { min: string; below: string }): boolean {
  const parse = (v: string): number[] => v.split('.').map((n) => Number.parseInt(n, 10));
  const cmp = (a: number[], b: number[]): number => {
    for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
    return 0;
  };
  const v = parse(version);
  return cmp(v, parse(range.min)) >= 0 && cmp(v, parse(range.below)) < 0;
}

export async function probeAgentVersions(env: NodeJS.ProcessEnv = process.env): Promise<AgentVersions> {
  const [c, x] = await Promise.all([versionOf(env.SHOAL_CLAUDE_BIN || 'claude', env), versionOf(env.SHOAL_CODEX_BIN || 'codex', env)]);
  return {
    'claude-code': c ? { version: c, supported: true } : null,
    codex: x ? { version: x, supported: inRange(x, CODEX_VERSION_RANGE) } : null,
  };
}
