// Every command's flags are declared: typos are refused by name, `--help` lists what exists.
import { describe, expect, it } from 'vitest';
import { DB_OPTION, HelpRequested, parseCommand, type CommandDoc } from './args';
import { UsageError } from './io';

const doc: CommandDoc = {
  usage: 'demo ARG [options]',
  summary: 'A command for the test.',
  options: { db: DB_OPTION, json: { type: 'boolean', help: 'machine-readable output' } },
};

function usageError(args: string[]): string {
  try {
    parseCommand(args, doc);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('parseCommand', () => {
  it('reads declared flags in both spellings, and positionals', () => {
    const { flags, positional } = parseCommand(['x', '--db', 'a.db', '--json'], doc);
    expect(positional).toEqual(['x']);
    expect(flags.get('db')).toBe('a.db');
    expect(flags.get('json')).toBe(true);
    expect(parseCommand(['--db=b.db'], doc).flags.get('db')).toBe('b.db');
  });

  it('refuses more arguments than the command takes, naming them, instead of ignoring the rest', () => {
    const one: CommandDoc = { ...doc, maxArgs: 1 };
    expect(parseCommand(['a', '--json'], one).positional).toEqual(['a']);
    expect(() => parseCommand(['a', 'b'], one)).toThrow(new UsageError('takes at most 1 argument (got 2: a b); usage: shoal demo ARG [options]'));
    expect(() => parseCommand(['x'], { ...doc, maxArgs: 0 })).toThrow(new UsageError('takes no arguments (got 1: x); see `shoal demo --help`'));
    // Without a declared limit (a command taking a list), every argument is given to it.
    expect(parseCommand(['a', 'b', 'c'], doc).positional).toEqual(['a', 'b', 'c']);
  });

  it('names the flag that is unknown, missing its value, or given one it does not take', () => {
    expect(usageError(['--workspce', 'x'])).toBe('unknown option --workspce; see `shoal demo --help`');
    expect(usageError(['--db'])).toBe('--db needs a value');
    expect(usageError(['--db', '--json'])).toBe('--db needs a value');
    expect(usageError(['--json=yes'])).toBe('--json takes no value');
  });

  it('answers --help with the usage and every option', () => {
    let text = '';
    try {
      parseCommand(['--help'], doc);
    } catch (error) {
      if (error instanceof HelpRequested) text = error.text;
    }
    expect(text).toContain('usage: shoal demo ARG [options]');
    expect(text).toMatch(/--db PATH\s+the SQLite store/);
    expect(text).toMatch(/--json\s+machine-readable output/);
  });
  it('says how to give a value that starts with "-", instead of only that one is needed', () => {
    expect(usageError(['--db', '-1'])).toBe('--db needs a value; "-1" reads as an option (to give it as the value, write --db=-1)');
    expect(usageError(['x', '--db'])).toBe('--db needs a value');
  });
});
