// `shoal agent-key`: keys read from stdin, sealed in the database's vault, listed only as set/unset.
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../core/test-support/temp-dir';
import { main } from '../main';

async function shoal(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(args, { stdin: Readable.from([stdin]), stdout, stderr, env: {}, cwd: process.cwd() });
  return { code, out, err };
}

describe('shoal agent-key', () => {
  it('seals a key from stdin, lists only its state, and removes it', async () => {
    const db = path.join(tempDir(), 'shoal.db');
    expect(await shoal(['agent-key', 'set', 'anthropic', '--db', db], 'sk-ant-from-stdin-42\n')).toMatchObject({ code: 0 });
    const listed = await shoal(['agent-key', '--db', db]);
    expect(listed.out).toMatch(/anthropic\s+ANTHROPIC_API_KEY\s+set/);
    expect(listed.out).toMatch(/openai\s+OPENAI_API_KEY\s+unset/);
    expect(listed.out).not.toContain('sk-ant');
    expect(fs.readFileSync(db).includes('sk-ant-from-stdin-42')).toBe(false);
    expect((await shoal(['agent-key', 'unset', 'anthropic', '--db', db])).out).toMatch(/anthropic\s+ANTHROPIC_API_KEY\s+unset/);
    expect(await shoal(['agent-key', 'set', 'gemini', '--db', db], 'x')).toMatchObject({ code: 2 });
  });
});
