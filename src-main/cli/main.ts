// The `shoal` command. Each subcommand lives in commands/<name>.ts and is loaded on demand, so
// `shoal wire` does not pay for the server's imports.
import { HelpRequested } from './args';
import { UsageError, type CliIo, type Command } from './io';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: Command }> }> = {
  serve: { summary: 'serve [--port P] [--db PATH] [--agents-listen HOST:PORT]   the UI on 127.0.0.1 (token-guarded), and the agents\' endpoint', load: () => import('./commands/serve') },
  run: { summary: 'run SPEC [--db PATH] [--workspace DIR] [--max-workers N] [--accept-new-host-keys] [--server URL] [--json]   run a spec to the end', load: () => import('./commands/run') },
  validate: { summary: 'validate SPEC                        check a spec; exit 2 with every problem', load: () => import('./commands/validate') },
  resume: { summary: 'resume [RUN] [--db PATH]             continue unfinished runs after a crash', load: () => import('./commands/resume') },
  runs: { summary: 'runs [--json]                        list runs (FleetRun JSON with --json)', load: () => import('./commands/runs') },
  events: { summary: 'events RUN [--json] [--task T]       the run timeline (one FleetWorkerEvent per line)', load: () => import('./commands/events') },
  receipts: { summary: 'receipts RUN [--json]                the run receipts (FleetReceipt JSON with --json)', load: () => import('./commands/receipts') },
  land: { summary: 'land RUN [--into B] [--squash|--branches] [--check CMD] [--push] [--pr] [--json]   merge a run\'s results', load: () => import('./commands/land') },
  receipt: { summary: 'receipt [RUN] TASK --markdown          one task\'s evidence as Markdown', load: () => import('./commands/receipt') },
  review: { summary: 'review RUN TASK --pass|--fail        decide a task waiting for manual review', load: () => import('./commands/review') },
  approvals: { summary: 'approvals [--json] [--audit]         requests waiting for a person (or the audit log)', load: () => import('./commands/approvals') },
  approve: { summary: 'approve ID --decision D             decide one request (approved, denied, abort, …)', load: () => import('./commands/approve') },
  'agent-key': { summary: 'agent-key [set|unset anthropic|openai]   coding-agent API keys, sealed (set reads stdin)', load: () => import('./commands/agent-key') },
  agent: { summary: 'agent --join URL --token T [--data-dir DIR] [--max-tasks N]   a headless worker that dials a control plane', load: () => import('./commands/agent') },
  'agent-token': { summary: 'agent-token [--name N] [--ttl 15m] [--json]   a one-time join token and the `shoal agent` command', load: () => import('./commands/agent-token') },
  alerts: { summary: 'alerts [--run ID] [--json] | retry ID | deliver | test | config [JSON]   alert deliveries and settings', load: () => import('./commands/alerts') },
  hooks: { summary: 'hooks add ID --event E (--command C | --url U) | list | test ID | remove ID   lifecycle hooks', load: () => import('./commands/hooks') },
  bench: { summary: 'bench [--json] [--quick]             fleet throughput and spawn latency on this machine', load: () => import('./commands/bench') },
  workers: { summary: 'workers add|list|test|remove|trust|owed|retry-reap|forget   workers you keep: SSH hosts, Docker images; trust a host key; work still to stop on them', load: () => import('./commands/workers') },
  wire: { summary: 'wire                                 protocol conformance filter (JSON lines on stdin)', load: () => import('./commands/wire') },
};

function usage(): string {
  return ['usage: shoal <command> [options]', '', 'commands:', ...Object.values(COMMANDS).map((c) => `  ${c.summary}`), '', 'shoal <command> --help shows its options.'].join('\n') + '\n';
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr.write(`shoal: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    const { run } = await entry.load();
    return await run(rest, io);
  } catch (error) {
    if (error instanceof HelpRequested) {
      io.stdout.write(error.text);
      return 0;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`shoal ${name}: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(`shoal ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

// `shoal runs | head -2` closes the pipe while there is more to print: the rest has no reader, which
// is no failure of the command (Node would crash with an unhandled EPIPE and a stack trace).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

const io: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
main(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
}, (error: unknown) => {
  process.stderr.write(`shoal: ${String(error)}\n`);
  process.exitCode = 1;
});
