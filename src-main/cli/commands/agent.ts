// `shoal agent --join URL [--token TOKEN] [--data-dir DIR] [--workspace DIR] [--name NAME]
//  [--capabilities a,b] [--max-tasks N] [--ca FILE] [--git-remote URL]`: a headless worker that dials a control plane.
import path from 'node:path';
import { RemoteAgent } from '../../core/agents-remote/remote-agent';
import { isJoinUrl } from '../../core/agents-remote/join-command';
import { shoalHome } from '../../core/store/open';
import { parseCommand, type CommandDoc } from '../args';
import { flagInt, flagList, flagString, UsageError, type CliIo } from '../io';
import { packageVersion } from '../paths';
import { creatableFolder, readPemFile } from '../path-flags';

export const doc: CommandDoc = {
  usage: 'agent --join URL [options]',
  maxArgs: 0,
  summary: 'A headless worker on this machine that dials a control plane, takes tasks that fit it and runs them here.',
  options: {
    join: { type: 'string', value: 'URL', help: 'the ws:// or wss:// address `shoal agent-token` printed' },
    token: { type: 'string', value: 'TOKEN', help: 'the one-time join token (later runs reuse the credential it earned)' },
    'data-dir': { type: 'string', value: 'DIR', help: "the agent's own store, outbox and worktrees (default $SHOAL_HOME/agent or ~/.shoal/agent)" },
    workspace: { type: 'string', value: 'DIR', help: 'where task repositories are kept' },
    name: { type: 'string', value: 'NAME', help: 'how the control plane lists this agent (default: the host name)' },
    capabilities: { type: 'string', value: 'a,b', help: 'capabilities beyond those probed', emptyMeansNone: true },
    'max-tasks': { type: 'string', value: 'N', help: 'attempts at once (1–1024)' },
    ca: { type: 'string', value: 'FILE', help: "a CA certificate to trust for the control plane's TLS" },
    'git-remote': { type: 'string', value: 'URL', help: "a git remote to fetch base commits from and push result branches to (a task's metadata.git_remote wins)" },
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags } = parseCommand(args, doc);
  const url = flagString(flags, 'join');
  if (!url) throw new UsageError('--join URL is required (the ws:// or wss:// address `shoal agent-token` printed)');
  if (!isJoinUrl(url)) throw new UsageError(`--join: "${url}" is not ws://HOST:PORT or wss://HOST:PORT`);
  // Every flag is checked before the agent's store is made: a refused start leaves nothing behind.
  // As the store's own default: an empty SHOAL_HOME would otherwise put the agent's data in ./agent.
  const dataDir = creatableFolder('data-dir', path.resolve(io.cwd, flagString(flags, 'data-dir') ?? path.join(shoalHome(io.env), 'agent')));
  const workspaceFlag = flagString(flags, 'workspace');
  const workspace = workspaceFlag !== undefined ? creatableFolder('workspace', path.resolve(io.cwd, workspaceFlag)) : undefined;
  const caFile = flagString(flags, 'ca');
  const ca = caFile !== undefined ? readPemFile('ca', path.resolve(io.cwd, caFile)) : undefined;
  const maxTasks = flagInt(flags, 'max-tasks', 1, 1024);
  const gitRemote = flagString(flags, 'git-remote');
  if (gitRemote !== undefined && (gitRemote.trim() === '' || gitRemote.startsWith('-') || /[\s\0]/.test(gitRemote))) {
    throw new UsageError(`--git-remote: "${gitRemote}" is not a git remote URL or path`);
  }
  const log = (m: string) => io.stderr.write(`[shoal agent] ${m}\n`);
  const agent = new RemoteAgent({
    url, token: flagString(flags, 'token'), dataDir, workspaceDir: workspace,
    name: flagString(flags, 'name'), capabilities: flagList(flags, 'capabilities'),
    maxTasks, ca, version: packageVersion(), log, env: io.env,
    ...(gitRemote ? { gitRemote } : {}),
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
