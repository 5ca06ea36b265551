// `shoal agent-token [--name NAME] [--ttl 15m] [--capabilities a,b] [--url URL] [--json] [--db PATH]`:
// mints a one-time join token for a remote agent and prints the exact `shoal agent` command.
// `shoal agent-token --revoke ID`: revokes a join token (jt-…) or a joined agent's credential (agent-…).
import { capabilitiesProblem } from '../../../src-shared/protocol/capability';
import { AgentCredentials, MAX_JOIN_TOKEN_TTL_MS, parseTtl } from '../../core/agents-remote/agent-credentials';
import { isJoinUrl, joinCommand } from '../../core/agents-remote/join-command';
import { readListener } from '../../core/agents-remote/listener-record';
import { workerNameFormProblem } from '../../core/hosts/worker-registry';
import { DB_OPTION, parseCommand, type CommandDoc } from '../args';
import { flagList, flagString, UsageError, type CliIo } from '../io';
import { openCore } from '../open-core';

export const doc: CommandDoc = {
  usage: 'agent-token [options]',
  maxArgs: 0,
  summary: 'Mints a one-time join token for a remote agent and prints the exact `shoal agent` command; or revokes a token or an agent.',
  options: {
    name: { type: 'string', value: 'NAME', help: 'the name the agent joins under' },
    ttl: { type: 'string', value: 'DURATION', help: 'how long the token works (default 15m; e.g. 90s, 2h)' },
    capabilities: { type: 'string', value: 'a,b', help: 'capabilities granted to the agent', emptyMeansNone: true },
    url: { type: 'string', value: 'URL', help: "the agents' endpoint (default: the one `shoal serve --agents-listen` recorded)" },
    revoke: { type: 'string', value: 'ID', help: 'revoke a join token (jt-…) or a joined agent (agent-…)' },
    json: { type: 'boolean', help: 'print {token, url, command}' },
    db: DB_OPTION,
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags } = parseCommand(args, doc);
  let ttlMs: number;
  try {
    ttlMs = parseTtl(flagString(flags, 'ttl') ?? '15m');
  } catch (e) {
    throw new UsageError(`--ttl: ${(e as Error).message}`);
  }
  // As the Workers view: a token that works for months is a standing key, not a one-time join.
  if (ttlMs > MAX_JOIN_TOKEN_TTL_MS) throw new UsageError(`--ttl: ${flagString(flags, 'ttl')} is longer than 30 days; a join token is meant to be spent soon`);
  const revoke = flagString(flags, 'revoke');
  if (revoke) {
    const core = openCore(flags, io);
    try {
      if (!new AgentCredentials(core.store).revoke(revoke)) {
        io.stderr.write(`shoal agent-token: no join token or agent "${revoke}" that is not already revoked\n`);
        return 1;
      }
      io.stdout.write(`revoked ${revoke}\n`);
      return 0;
    } finally {
      core.close();
    }
  }
  const capabilities = flagList(flags, 'capabilities');
  // The same rules as the Workers view's join tokens (its method's input schema), by flag.
  const badCapabilities = capabilitiesProblem(capabilities);
  if (badCapabilities) throw new UsageError(`--capabilities: ${badCapabilities}`);
  const name = flagString(flags, 'name');
  // Problems are worded `name: …`: said by flag here.
  const badName = name !== undefined ? workerNameFormProblem(name) : null;
  if (badName) throw new UsageError(`--${badName}`);
  const urlFlag = flagString(flags, 'url');
  // The address goes into the command the agent is given: one `shoal agent` would refuse is refused here.
  if (urlFlag !== undefined && !isJoinUrl(urlFlag)) throw new UsageError(`--url: "${urlFlag}" is not ws://HOST:PORT or wss://HOST:PORT`);
  const core = openCore(flags, io);
  try {
    const url = urlFlag ?? readListener(core.store)?.url;
    if (!url) throw new UsageError('no control plane listens for agents on this database: start `shoal serve --agents-listen HOST:PORT` (or pass --url)');
    // As the Workers view: not a name a kept worker (or the default one) has.
    const taken = name ? core.workerRegistry.nameProblem(name) : null;
    if (taken) throw new UsageError(`--${taken}`);
    const minted = new AgentCredentials(core.store).mintJoinToken({ name: name ?? null, ttlMs, capabilities });
    const command = joinCommand(url, minted.token, name ?? null);
    if (flags.get('json')) {
      io.stdout.write(JSON.stringify({ token: minted.token, url, command, id: minted.id, expires_at: new Date(minted.expiresAt).toISOString() }) + '\n');
    } else {
      io.stdout.write(`Join token ${minted.id} (works once, until ${new Date(minted.expiresAt).toISOString()}):\n\n  ${command}\n\n`);
    }
    return 0;
  } finally {
    core.close();
  }
}
