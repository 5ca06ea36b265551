// `shoal serve [--port P] [--db PATH] [--agents-listen HOST:PORT [--lease-seconds N]
//  [--heartbeat-seconds N] [--tls-cert FILE --tls-key FILE | --insecure-agents]]`: the headless host,
// and optionally the control plane's endpoint for remote agents.
import {
  checkListenerConfig, CLI_FIELD_NAMES, DEFAULT_HEARTBEAT_SECONDS, DEFAULT_LEASE_SECONDS, ListenerConfigError, type ListenerField,
} from '../../core/agents-remote/listener-config';
import { ShoalCore } from '../../core/shoal';
import { defaultDbPath } from '../../core/store/open';
import { startHeadlessServer } from '../../headless/server';
import { DB_OPTION, parseCommand, type CommandDoc } from '../args';
import { flagInt, flagString, UsageError, type CliIo } from '../io';
import { packageVersion, resolveRendererDir } from '../paths';

/** TLS and its waiver are the agents' endpoint's, which --agents-listen opens. */
const AGENTS_ENDPOINT = { option: 'agents-listen', why: 'they are for the agents\' endpoint it opens' };

export const doc: CommandDoc = {
  usage: 'serve [options]',
  maxArgs: 0,
  summary: 'The headless host: the UI and the contract on 127.0.0.1, guarded by a token; optionally the endpoint remote agents join.',
  options: {
    port: { type: 'string', value: 'P', help: 'port on 127.0.0.1 (default: any free one)' },
    db: DB_OPTION,
    'agents-listen': { type: 'string', value: 'HOST:PORT', help: 'accept `shoal agent` workers here (loopback unless TLS or --insecure-agents)' },
    'lease-seconds': { type: 'string', value: 'N', help: 'how long a silent worker keeps its task before it is reclaimed (default 600; a task\'s metadata.lease_seconds wins)' },
    'heartbeat-seconds': { type: 'string', value: 'N', help: 'how often agents report; two missed make one stale' },
    'tls-cert': { type: 'string', value: 'FILE', help: 'TLS certificate for the agents\' endpoint', needs: AGENTS_ENDPOINT },
    'tls-key': { type: 'string', value: 'FILE', help: 'its private key', needs: AGENTS_ENDPOINT },
    'insecure-agents': { type: 'boolean', help: 'allow a non-loopback agents\' endpoint without TLS', needs: AGENTS_ENDPOINT },
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
  const listener = agentsListen ? {
    listen: agentsListen, leaseSeconds: leaseSeconds ?? DEFAULT_LEASE_SECONDS, heartbeatSeconds: heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
    tlsCert: tlsCert ?? null, tlsKey: tlsKey ?? null, insecure: flags.get('insecure-agents') === true,
  } : null;
  const names = (f: ListenerField) => CLI_FIELD_NAMES[f];
  // Checked before anything starts: a refused configuration leaves nothing running.
  if (listener) {
    try {
      checkListenerConfig(listener, names);
    } catch (e) {
      if (e instanceof ListenerConfigError) throw new UsageError(e.message);
      throw e;
    }
  }
  const engine = {
    ...(leaseSeconds ? { leaseMs: leaseSeconds * 1000 } : {}),
    ...(heartbeatSeconds ? { heartbeatMs: heartbeatSeconds * 1000 } : {}),
  };
  const core = new ShoalCore({ dbPath, transport: 'headless', version: packageVersion(), log: (m) => io.stderr.write(m + '\n'), engine });
  // The headless host runs work like the app does: a launched spec's tasks start here.
  core.start();
  const server = await startHeadlessServer({ core, rendererDir: resolveRendererDir(), port, token: io.env.SHOAL_TOKEN || undefined }).catch(async (e: unknown) => {
    await core.shutdown();
    // Said as --agents-listen says it (listener-service.ts), rather than in Node's words.
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`--port: 127.0.0.1:${port} is already in use by another program`);
    throw e;
  });
  // Flags start this session's listener (not remembered); without them, the one Settings → Workers
  // last started, if it was on.
  const agents = listener
    ? await core.agentListener.start(listener, { persist: false, names }).catch(async (e: unknown) => {
      await server.close();
      await core.shutdown();
      if (e instanceof ListenerConfigError) throw new UsageError(e.message);
      throw e;
    })
    : await core.agentListener.startRemembered();
  // Only now: a listener refused above closes the UI again, and its address would be a dead link.
  io.stdout.write(`Shoal UI: ${server.url}\n`);
  if (agents.running) {
    io.stdout.write(`Agents: ${agents.url}${agents.tls ? ' (TLS)' : agents.insecure ? ' (UNENCRYPTED: --insecure-agents)' : ' (loopback only)'}\n`);
  } else if (agents.error) {
    io.stderr.write(`Agents: not listening (${agents.error})\n`);
  }
  io.stderr.write(`Database: ${dbPath}\nPress Ctrl+C to stop.\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await core.agentListener.close();
  await server.close();
  await core.shutdown();
  return 0;
}
