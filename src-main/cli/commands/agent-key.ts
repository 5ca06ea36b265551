// `shoal agent-key [set|unset anthropic|openai] [--db PATH]`: the coding agents' API keys, sealed
// in Shoal's vault. A key is read from standard input — never from the command line, where `ps`
// and the shell's history would keep it — and never printed back.
import { AGENT_KEY_PROVIDERS, type AgentKeyView } from '../../../src-shared/contract/methods/agent-keys';
import { DB_OPTION, parseCommand, type CommandDoc } from '../args';
import { UsageError, type CliIo } from '../io';
import { openCore } from '../open-core';

const USAGE = `usage: shoal agent-key [set|unset ${AGENT_KEY_PROVIDERS.join('|')}] [--db PATH]   (set reads the key from stdin)`;

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text.trim();
}

export const doc: CommandDoc = {
  usage: `agent-key [set|unset ${AGENT_KEY_PROVIDERS.join('|')}] [options]`,
  summary: "The coding agents' API keys, sealed in Shoal's vault. `set` reads the key from standard input; no key is ever printed.",
  options: { db: DB_OPTION },
  subcommandArgs: { set: 1, unset: 1 },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseCommand(args, doc);
  const [action, provider] = positional;
  if (action !== undefined && (!['set', 'unset'].includes(action) || !(AGENT_KEY_PROVIDERS as readonly string[]).includes(provider ?? ''))) throw new UsageError(USAGE);
  const apiKey = action === 'set' ? await readStdin(io.stdin) : null;
  if (action === 'set' && !apiKey) throw new UsageError('no key on standard input');
  // Two lines are two keys, or a key and something else pasted with it: neither is an API key.
  if (apiKey && /[\r\n]/.test(apiKey)) throw new UsageError('the key on standard input spans more than one line; give the key alone');
  const core = openCore(flags, io);
  try {
    const envelope = action === undefined
      ? await core.call('agents.keys', {}, { transport: 'cli' })
      : await core.call('agents.setKey', { provider: provider as AgentKeyView['provider'], apiKey }, { transport: 'cli' });
    if (!envelope.ok) {
      io.stderr.write(`${envelope.error.message}\n`);
      return 2;
    }
    for (const k of envelope.value as AgentKeyView[]) io.stdout.write(`${k.provider.padEnd(10)} ${k.env.padEnd(18)} ${k.state}\n`);
    return 0;
  } finally {
    core.close();
  }
}
