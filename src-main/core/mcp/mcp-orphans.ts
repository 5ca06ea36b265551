// MCP stdio servers are children of the Shoal process that started them. Shoal ends them when it
// stops; a Shoal that was killed (or crashed) cannot, and a server that ignores the end of its input
// keeps running with no one to talk to. Each server therefore carries its owner in its environment
// (pid and start time, so a recycled pid is not taken for a live owner), and a starting Shoal ends
// the servers whose owner is gone. Servers of another live Shoal are left alone.
import { isSameProcess, processesCarrying, processStartTime, signalQuietly } from '../fleet/process-tree';

export const MCP_OWNER_VAR = 'SHOAL_MCP_OWNER';

let own: string | null = null;
/** This process as a server's owner: "pid@start". */
export function mcpOwnerValue(): string {
  own ??= `${process.pid}@${processStartTime(process.pid) ?? ''}`;
  return own;
}

/** Ends the MCP servers (and whatever they started, which inherits the entry) whose Shoal is gone.
 *  Returns the pids ended. Linux only: elsewhere none are found. */
export function endOrphanedMcpServers(): number[] {
  const ended: number[] = [];
  for (const { pid, value } of processesCarrying(MCP_OWNER_VAR)) {
    const at = value.lastIndexOf('@');
    const owner = Number(value.slice(0, at));
    if (at <= 0 || !Number.isInteger(owner)) continue;
    if (owner === process.pid || isSameProcess(owner, value.slice(at + 1) || null)) continue;
    if (signalQuietly(pid, 'SIGKILL')) ended.push(pid);
  }
  return ended;
}
