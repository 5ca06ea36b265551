// `shoal serve [--port P] [--db PATH]`: the headless host.
import { DB_OPTION, parseCommand, type CommandDoc } from '../args';
import { ShoalCore } from '../../core/shoal';
import { defaultDbPath } from '../../core/store/open';
import { startHeadlessServer } from '../../headless/server';
import { flagInt, flagString, type CliIo } from '../io';
import { packageVersion, resolveRendererDir } from '../paths';

export const doc: CommandDoc = {
  usage: 'serve [options]',
  summary: 'The headless host: the UI and the contract on 127.0.0.1, guarded by a token.',
  options: {
    port: { type: 'string', value: 'P', help: 'port on 127.0.0.1 (default: any free one)' },
    db: DB_OPTION,
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags } = parseCommand(args, doc);
  const port = flagInt(flags, 'port', 0, 65535) ?? 0;
  const dbPath = flagString(flags, 'db') ?? defaultDbPath(io.env);
  const core = new ShoalCore({ dbPath, transport: 'headless', version: packageVersion(), log: (m) => io.stderr.write(m + '\n') });
  // The headless host runs work like the app does: a launched spec's tasks start here.
  core.start();
  const server = await startHeadlessServer({ core, rendererDir: resolveRendererDir(), port, token: io.env.SHOAL_TOKEN || undefined });
  io.stdout.write(`Shoal UI: ${server.url}\n`);
  io.stderr.write(`Database: ${dbPath}\nPress Ctrl+C to stop.\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await core.shutdown();
  return 0;
}
