// Where the coding-agent CLIs are on this computer: a path a person set in Settings → Agents, or
// whatever `claude` / `codex` the PATH finds. A path is checked before it is kept (it exists, is a
// file, may be executed, and answers `--version`), so a typo is refused with the reason instead of
// failing the next task. At launch the kept path reaches only its own agent, as SHOAL_CLAUDE_BIN /
// SHOAL_CODEX_BIN (the runner and the bridge start that binary).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ShoalError } from '../../../../src-shared/contract';
import type { AgentBinaryView, AgentCliName } from '../../../../src-shared/contract/methods/agent-keys';
import { setting, type SettingsTable } from '../../store/settings-table';

export const AGENT_BIN_VARS = { claude: 'SHOAL_CLAUDE_BIN', codex: 'SHOAL_CODEX_BIN' } as const satisfies Record<AgentCliName, string>;

const PATHS = setting<Record<AgentCliName, string | null>>('agents.paths', z.object({
  claude: z.string().nullable().catch(null),
  codex: z.string().nullable().catch(null),
}), { claude: null, codex: null });

/** The first line of `BIN --version` reduced to its x.y.z, or null when it does not answer. */
export function versionOf(bin: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(bin, ['--version'], { env, timeout: 15_000 }, (error, stdout) => resolve(error ? null : /(\d+\.\d+\.\d+)/.exec(stdout)?.[1] ?? null));
  });
}

/** `name` as the PATH finds it (an executable file), like `command -v`. */
export function onPath(name: string, pathVar: string | undefined): string | null {
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      if (fs.statSync(candidate).isFile()) {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      }
    } catch {
      // not here
    }
  }
  return null;
}

/** Why `file` cannot be an agent's binary, or null when it can (before asking its version). */
function pathProblem(file: string): string | null {
  if (!path.isAbsolute(file)) return `"${file}" is not an absolute path`;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return `${file} does not exist`;
  }
  if (!stat.isFile()) return `${file} is not a file`;
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    return `${file} is not executable`;
  }
  return null;
}

export class AgentBinaries {
  /** Versions already asked, by binary and its size + mtime: `agents.binaries` is in the settings
   *  family and refetches on every settings write, which need not start both CLIs again. */
  private readonly versions = new Map<string, { stamp: string; version: Promise<string | null> }>();

  constructor(private readonly table: SettingsTable, private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** `versionOf(bin)`, asked again only when the file it resolves to has changed. */
  private version(bin: string): Promise<string | null> {
    let stamp: string;
    try {
      const stat = fs.statSync(bin);
      stamp = `${stat.size}:${stat.mtimeMs}`;
    } catch {
      return versionOf(bin, this.env); // not a path we can stat (a bare name): ask every time
    }
    const known = this.versions.get(bin);
    if (known?.stamp === stamp) return known.version;
    const version = versionOf(bin, this.env);
    this.versions.set(bin, { stamp, version });
    return version;
  }

  /** The kept paths, as the variables the agents read. */
  envVars(): Record<string, string> {
    const kept = this.table.get(PATHS);
    const out: Record<string, string> = {};
    for (const cli of Object.keys(AGENT_BIN_VARS) as AgentCliName[]) if (kept[cli]) out[AGENT_BIN_VARS[cli]] = kept[cli];
    return out;
  }

  /** The binary each agent would start: the kept path, else SHOAL_*_BIN, else the PATH's. */
  bins(): Partial<Record<AgentCliName, string>> {
    const kept = this.table.get(PATHS);
    const out: Partial<Record<AgentCliName, string>> = {};
    for (const cli of Object.keys(AGENT_BIN_VARS) as AgentCliName[]) {
      const bin = kept[cli] || this.env[AGENT_BIN_VARS[cli]];
      if (bin) out[cli] = bin;
    }
    return out;
  }

  /** Each CLI: the kept path, which binary would run and its version. */
  async list(): Promise<AgentBinaryView[]> {
    const kept = this.table.get(PATHS);
    const bins = this.bins();
    return Promise.all((Object.keys(AGENT_BIN_VARS) as AgentCliName[]).map(async (cli) => {
      const bin = bins[cli] ?? onPath(cli, this.env.PATH);
      const problem = kept[cli] ? pathProblem(kept[cli]) : null;
      const version = bin && !problem ? await this.version(bin) : null;
      return {
        cli, path: kept[cli], resolved: bin && !problem ? bin : null, version,
        problem: problem ?? (bin && !version ? `${bin} did not answer --version` : bin ? null : `${cli} is not on PATH`),
      };
    }));
  }

  /** Keeps `file` as the CLI's binary after checking it; null goes back to the PATH. */
  async set(cli: AgentCliName, file: string | null): Promise<void> {
    if (file !== null) {
      const problem = pathProblem(file);
      if (problem) throw new ShoalError('invalid_input', `${cli} path: ${problem}`);
      if (!(await this.version(file))) throw new ShoalError('invalid_input', `${cli} path: ${file} did not answer --version (is it the ${cli === 'claude' ? 'Claude Code' : 'Codex'} CLI?)`);
    }
    this.table.set(PATHS, { ...this.table.get(PATHS), [cli]: file });
  }
}
