// Reading artifacts in chunks: character boundaries, the tail of a growing log, search.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/temp-core';
import { completeUtf8Length, readChunk, readTail, searchLines } from './artifact-files';

describe('artifact files', () => {
  it('never cuts a UTF-8 character in two', () => {
    const buf = Buffer.from('aé€😀');
    // 'a' 1 byte, 'é' 2, '€' 3, '😀' 4: cut inside each multi-byte character
    expect(completeUtf8Length(buf, 2)).toBe(1);
    expect(completeUtf8Length(buf, 3)).toBe(3);
    expect(completeUtf8Length(buf, 5)).toBe(3);
    expect(completeUtf8Length(buf, 8)).toBe(6);
    expect(completeUtf8Length(buf, 10)).toBe(10);
    const file = path.join(tempDir(), 'x.txt');
    fs.writeFileSync(file, 'aé€😀');
    const first = readChunk(file, 0, 5);
    expect(first).toMatchObject({ text: 'aé', nextOffset: 3, eof: false, size: 10 });
    expect(readChunk(file, first.nextOffset, 100)).toMatchObject({ text: '€😀', eof: true });
  });

  it('reads the tail of a log from a line start, then what was appended', () => {
    const file = path.join(tempDir(), 'agent.log');
    expect(readTail(file, undefined, 100)).toEqual({ offset: 0, nextOffset: 0, size: 0, eof: true, text: '' });
    fs.writeFileSync(file, Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n');
    const tail = readTail(file, undefined, 30);
    expect(tail.text.startsWith('line ')).toBe(true);
    expect(tail.text.endsWith('line 99\n')).toBe(true);
    fs.appendFileSync(file, 'more\n');
    expect(readTail(file, tail.nextOffset, 1000).text).toBe('more\n');
  });

  it('finds matching lines over the whole file, case-insensitively', async () => {
    const file = path.join(tempDir(), 'big.log');
    fs.writeFileSync(file, Array.from({ length: 5000 }, (_, i) => (i % 1000 === 7 ? `ERROR at ${i}` : `ok ${i}`)).join('\n'));
    const r = await searchLines(file, 'error');
    expect(r.matches).toEqual([0, 1, 2, 3, 4].map((k) => ({ line: k * 1000 + 8, text: `ERROR at ${k * 1000 + 7}` })));
    expect(r.truncated).toBe(false);
    expect((await searchLines(file, 'ok', 10)).truncated).toBe(true);
  });
});
