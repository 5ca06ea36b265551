// The built-in tools' JSON Schemas come from their zod schemas, and the same schemas judge what an
// agent sends: a bad argument is refused with the field named, before the policy or a person sees it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/temp-dir';
import { BUILTIN_DESCRIPTORS, prepareBuiltin, ToolInputError } from './builtin-tools';

describe('built-in tool inputs', () => {
  it('are described to agents by JSON Schemas generated from zod', () => {
    const byName = Object.fromEntries(BUILTIN_DESCRIPTORS.map((d) => [d.name, d.inputSchema]));
    expect(Object.keys(byName)).toEqual(['exec_shell', 'read_file', 'write_file', 'apply_patch']);
    expect(byName.exec_shell).toEqual({
      type: 'object',
      properties: {
        command: { type: 'string', description: 'The command line, e.g. "npm test".' },
        cwd: { type: 'string', description: 'A folder inside the workdir to run in (default: the workdir).' },
        timeout_ms: { type: 'number', description: 'Stop the command after this many milliseconds.' },
        reason: { type: 'string', description: 'Why you need this; shown to the person asked to approve.' },
      },
      required: ['command'],
    });
    expect(byName.read_file).toMatchObject({ type: 'object', required: ['path'] });
    expect(byName.write_file).toMatchObject({ type: 'object', required: ['path', 'content'] });
    expect(byName.apply_patch).toMatchObject({ type: 'object', required: ['patch'] });
    for (const schema of Object.values(byName)) expect(schema).not.toHaveProperty('$schema');
  });

  it('refuse bad arguments naming the field, and take null as left out', async () => {
    const workdir = tempDir('shoal-tools-');
    fs.writeFileSync(path.join(workdir, 'a.txt'), 'one\ntwo\nthree\n');
    expect(() => prepareBuiltin('exec_shell', {}, workdir)).toThrow(new ToolInputError('command: required'));
    expect(() => prepareBuiltin('exec_shell', { command: 3 }, workdir)).toThrow(new ToolInputError('command: expected string, received number'));
    expect(() => prepareBuiltin('write_file', { path: 'b.txt' }, workdir)).toThrow(new ToolInputError('content: required'));
    const read = prepareBuiltin('read_file', { path: 'a.txt', offset: 2, limit: null }, workdir);
    const out = await read.run({ env: {}, track: () => () => {}, killGraceMs: 100 });
    expect(out).toEqual({ ok: true, output: 'two\nthree\n' });
    expect(prepareBuiltin('exec_shell', { command: 'true', cwd: null }, workdir).cwd).toBe(workdir);
  });
});
