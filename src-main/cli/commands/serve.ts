// `shoal serve [--port P] [--db PATH] [--agents-listen HOST:PORT [--lease-seconds N]
//  [--heartbeat-seconds N] [--tls-cert FILE --tls-key FILE | --insecure-agents]]`: the headless host,
// and optionally the control plane's endpoint for remote agents.
import { isLoopback, parseListenAddress, startAgentListener, type AgentListener } from '../../core/agents-remote/agent-listener';
import { recordListener } from '../../core/agents-remote/listener-record';
import { ShoalCore } from '../../core/shoal';
import { defaultDbPath } from '../../core/store/open';
import { startHeadlessServer } from '../../headless/server';
import { DB_OPTION, parseCommand, type CommandDoc } from '../args';
import { flagInt, flagString, UsageError, type CliIo } from '../io';
import { packageVersion, resolveRendererDir } from '../paths';

export const doc: CommandDoc = {
  usage: 'serve [options]',
  summary: 'The headless host: the UI and the contract on 127.0.0.1, guarded by a token; optionally the endpoint remote agents join.',
  options: {
    port: { type: 'string', value: 'P', help: 'port on 127.0.0.1 (default: any free one)' },
    db: DB_OPTION,
    'agents-listen': { type: 'string', value: 'HOST:PORT', help: 'accept `shoal agent` workers here (loopback unless TLS or --insecure-agents)' },
    'lease-seconds': { type: 'string', value: 'N', help: 'how long a silent worker keeps its task before it is reclaimed (default 600)' },
    'heartbeat-seconds': { type: 'string', value: 'N', help: 'how often agents report; two missed make one stale' },
    'tls-cert': { type: 'string', value: 'FILE', help: 'TLS certificate for the agents\' endpoint' },
    'tls-key': { type: 'string', value: 'FILE', help: 'its private key' },
    'insecure-agents': { type: 'boolean', help: 'allow a non-loopback agents\' endpoint without TLS' },
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags } = parseCommand(args, doc);
  const port = flagInt(flags, 'port', 0, 65535) ?? 0;
  const dbPath = flagString(flags, 'db') ?? defaultDbPath(io.env);
  const agentsListen = flagString(flags, 'agents-listen');
  const leaseSeconds = flagInt(flags, 'lease-seconds', 1, 86_400);
  const heartbeatSeconds = flagInt(flags, 'heartbeat-seconds', 1, 3_600);
  const tlsCert = flagString(flags, 'tls-cert');
  const tlsKey = flagString(flags, 'tls-key');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const listen = agentsListen ? (() => {
    try {
      return parseListenAddress(agentsListen);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  })() : null;
  if (listen && !isLoopback(listen.host) && !tlsCert && !flags.get('insecure-agents')) {
    throw new UsageError(`--agents-listen ${agentsListen}: a non-loopback address needs --tls-cert FILE --tls-key FILE, or --insecure-agents to send agents' credentials and code unencrypted`);
  }
  const engine = {
    ...(leaseSeconds ? { leaseMs: leaseSeconds * 1000 } : {}),
    ...(heartbeatSeconds ? { heartbeatMs: heartbeatSeconds * 1000 } : {}),
  };
  const core = new ShoalCore({ dbPath, transport: 'headless', version: packageVersion(), log: (m) => io.stderr.write(m + '\n'), engine });
  // The headless host runs work like the app does: a launched spec's tasks start here.
  core.start();
  const server = await startHeadlessServer({ core, rendererDir: resolveRendererDir(), port, token: io.env.SHOAL_TOKEN || undefined });
  io.stdout.write(`Shoal UI: ${server.url}\n`);
  let agents: AgentListener | null = null;
  if (listen) {
    agents = await startAgentListener({
      store: core.store, engine: core.engine, gateway: core.tools, dataDir: core.dataDir, host: listen.host, port: listen.port,
      tls: tlsCert && tlsKey ? { certFile: tlsCert, keyFile: tlsKey } : null, insecure: flags.get('insecure-agents') === true,
      leaseMs: (leaseSeconds ?? 600) * 1000, heartbeatMs: (heartbeatSeconds ?? 5) * 1000, log: (m) => io.stderr.write(m + '\n'),
    });
    recordListener(core.store, { url: agents.url, pid: process.pid, tls: Boolean(tlsCert) });
    io.stdout.write(`Agents: ${agents.url}${tlsCert ? ' (TLS)' : isLoopback(listen.host) ? ' (loopback only)' : ' (UNENCRYPTED: --insecure-agents)'}\n`);
  }
  io.stderr.write(`Database: ${dbPath}\nPress Ctrl+C to stop.\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await agents?.close();
  await server.close();
  await core.shutdown();
  return 0;
}
