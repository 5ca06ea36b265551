// What `Test connection` reports about a host, asked the same way everywhere: one sh command line
// per fact, run by the driver wherever it runs things.
import { shellQuote } from './shell-quote';

export const AGENT_CLIS = ['claude', 'codex'] as const;
export type AgentCli = (typeof AGENT_CLIS)[number];

/** A coding-agent CLI found on a host; version null when it is there but `--version` said nothing usable. */
export interface AgentCliFound {
  name: AgentCli;
  version: string | null;
}

/** How long a CLI's `--version` may take before it is stopped (found, version unknown). */
const VERSION_WAIT_S = 8;

/** One sh line printing `agent=<name> <first line of --version>` for each CLI found: on PATH, or at
 *  the path given for it (Settings → Agents on this computer). A `--version` that never answers is
 *  stopped after VERSION_WAIT_S, so one broken CLI costs a probe seconds, not forever, and the CLIs
 *  after it are still asked. */
export function agentProbeLine(bins: Partial<Record<AgentCli, string>> = {}): string {
  return [boundedRun(VERSION_WAIT_S), ...AGENT_CLIS.map((a) => `b=${shellQuote(bins[a] || a)}; if command -v "$b" >/dev/null 2>&1; then echo "agent=${a} $(v "$b" --version 2>/dev/null | head -n 1)"; fi`)].join('; ') + '; true';
}

/** Defines the sh function `v CMD…`: runs CMD, stopping it after `seconds`. With `timeout`
 *  (coreutils, busybox) that does it; without (stock macOS) CMD runs in the background with its
 *  output in a temporary file, watched every tenth of a second from the foreground, so no watchdog
 *  process outlives it and nothing holds the caller's pipe open. */
function boundedRun(seconds: number): string {
  const ticks = seconds * 10;
  return `v() { if command -v timeout >/dev/null 2>&1; then timeout -k 2 ${seconds} "$@"; return; fi; `
    + `f=$(mktemp 2>/dev/null) || { "$@"; return; }; "$@" >"$f" & p=$!; i=0; `
    + `while kill -0 $p 2>/dev/null && [ $i -lt ${ticks} ]; do sleep 0.1 2>/dev/null || { sleep 1; i=$((i+9)); }; i=$((i+1)); done; `
    + `kill -9 $p 2>/dev/null; wait $p 2>/dev/null; cat "$f"; rm -f "$f"; }`;
}

/** `claude --version` prints "2.1.197 (Claude Code)", `codex --version` "codex-cli 0.171.0". */
export function parseAgentProbe(out: string): AgentCliFound[] {
  const found: AgentCliFound[] = [];
  for (const m of out.matchAll(/^agent=(\S+)(.*)$/gm)) {
    const name = m[1] as AgentCli;
    if (!(AGENT_CLIS as readonly string[]).includes(name)) continue;
    found.push({ name, version: /(\d+\.\d+\.\d+)/.exec(m[2] ?? '')?.[1] ?? null });
  }
  return found;
}

/** "claude 2.1.197, codex 0.171.0" (or "none found"), for the CLI and the Workers view alike. */
export function describeAgentClis(agents: readonly AgentCliFound[]): string {
  return agents.map((a) => `${a.name} ${a.version ?? '(version unknown)'}`).join(', ') || 'none found';
}

export async function probeCommands(run: (cmd: string) => Promise<string>, bins: Partial<Record<AgentCli, string>> = {}): Promise<{ git: string | null; agents: AgentCliFound[] }> {
  const [git, agents] = await Promise.all([run('git --version 2>/dev/null'), run(agentProbeLine(bins))]);
  const version = /git version (\S+)/.exec(git)?.[1] ?? null;
  return { git: version, agents: parseAgentProbe(agents) };
}

/** One sh line printing cpus, memory (kB) and OS, for remote hosts. */
export const SYSTEM_FACTS = `echo "cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null)"; echo "memkb=$(awk '/MemTotal/ {print $2}' /proc/meminfo 2>/dev/null)"; echo "os=$(uname -sr 2>/dev/null)"`;

export function parseSystemFacts(text: string): { cpus: number | null; memoryMb: number | null; os: string | null } {
  const get = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(text)?.[1]?.trim() || null;
  const cpus = Number(get('cpus'));
  const mem = Number(get('memkb'));
  return { cpus: Number.isFinite(cpus) && cpus > 0 ? cpus : null, memoryMb: Number.isFinite(mem) && mem > 0 ? Math.round(mem / 1024) : null, os: get('os') };
}
