// What `Test connection` reports about a host, asked the same way everywhere: one sh command line
// per fact, run by the driver wherever it runs things.
export const AGENT_CLIS = ['claude', 'codex'] as const;

export async function probeCommands(run: (cmd: string) => Promise<string>): Promise<{ git: string | null; agents: string[] }> {
  const [git, agents] = await Promise.all([
    run('git --version 2>/dev/null'),
    run(AGENT_CLIS.map((a) => `command -v ${a} >/dev/null 2>&1 && echo ${a}`).join('; ') + '; true'),
  ]);
  const version = /git version (\S+)/.exec(git)?.[1] ?? null;
  return { git: version, agents: agents.split(/\s+/).filter((a) => (AGENT_CLIS as readonly string[]).includes(a)) };
}

/** One sh line printing cpus, memory (kB) and OS, for remote hosts. */
export const SYSTEM_FACTS = `echo "cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null)"; echo "memkb=$(awk '/MemTotal/ {print $2}' /proc/meminfo 2>/dev/null)"; echo "os=$(uname -sr 2>/dev/null)"`;

export function parseSystemFacts(text: string): { cpus: number | null; memoryMb: number | null; os: string | null } {
  const get = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(text)?.[1]?.trim() || null;
  const cpus = Number(get('cpus'));
  const mem = Number(get('memkb'));
  return { cpus: Number.isFinite(cpus) && cpus > 0 ? cpus : null, memoryMb: Number.isFinite(mem) && mem > 0 ? Math.round(mem / 1024) : null, os: get('os') };
}
