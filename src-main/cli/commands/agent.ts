// `shoal agent --join URL [--token TOKEN] [--data-dir DIR] [--workspace DIR] [--name NAME]
//  [--capabilities a,b] [--max-tasks N] [--ca FILE]`: a headless worker that dials a control plane.
import os from 'node:os';
import path from 'node:path';
import { readCa, RemoteAgent } from '../../core/agents-remote/remote-agent';
import { flagInt, flagString, parseFlags, UsageError, type CliIo } from '../io';
import { packageVersion } from '../paths';

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags } = parseFlags(args);
  const url = flagString(flags, 'join');
  if (!url) throw new UsageError('--join URL is required (the ws:// or wss:// address `shoal agent-token` printed)');
  if (!/^wss?:\/\/[^/]+\/?$/.test(url)) throw new UsageError(`--join: "${url}" is not ws://HOST:PORT or wss://HOST:PORT`);
  const home = io.env.SHOAL_HOME ?? path.join(os.homedir(), '.shoal');
  const dataDir = path.resolve(io.cwd, flagString(flags, 'data-dir') ?? path.join(home, 'agent'));
  const workspace = flagString(flags, 'workspace');
  const log = (m: string) => io.stderr.write(`[shoal agent] ${m}\n`);
  const agent = new RemoteAgent({
    url, token: flagString(flags, 'token'), dataDir, workspaceDir: workspace ? path.resolve(io.cwd, workspace) : undefined,
    name: flagString(flags, 'name'), capabilities: (flagString(flags, 'capabilities') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    maxTasks: flagInt(flags, 'max-tasks', 1, 1024), ca: readCa(flagString(flags, 'ca')), version: packageVersion(), log, env: io.env,
  });
  const onSignal = () => void agent.stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  agent.start();
  const result = await agent.done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (result.code !== 0) io.stderr.write(`shoal agent: ${result.message}\n`);
  return result.code;
}
