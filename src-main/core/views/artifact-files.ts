// Reading artifact files for the UI: a chunk of text from a byte offset (never splitting a UTF-8
// character), the tail of a growing agent log, and the lines matching a search over a whole file.
import fs from 'node:fs';
import readline from 'node:readline';

export interface TextChunk { offset: number; nextOffset: number; size: number; eof: boolean; text: string }

/** Bytes of `buf[0..n)` that end on a character boundary (a cut multi-byte sequence stays for the next read). */
export function completeUtf8Length(buf: Uint8Array, n: number): number {
  let i = n - 1;
  let continuation = 0;
  while (i >= 0 && continuation < 3 && (buf[i]! & 0xc0) === 0x80) {
    i--;
    continuation++;
  }
  if (i < 0) return n;
  const lead = buf[i]!;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return need > continuation + 1 ? i : n;
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Up to `limit` bytes from `offset`. */
export function readChunk(file: string, offset: number, limit: number): TextChunk {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.min(offset, size);
    const want = Math.min(limit, size - start);
    const buf = Buffer.allocUnsafe(want);
    const got = want > 0 ? fs.readSync(fd, buf, 0, want, start) : 0;
    const end = start + got >= size ? got : completeUtf8Length(buf, got);
    return { offset: start, nextOffset: start + end, size, eof: start + end >= size, text: buf.subarray(0, end).toString('utf8') };
  } finally {
    fs.closeSync(fd);
  }
}

/** A growing log from `offset`, or without one its last `limit` bytes starting at a line. A missing
 *  file (the agent has not started yet) reads as empty. */
export function readTail(file: string, offset: number | undefined, limit: number): TextChunk {
  const size = fileSize(file);
  if (size === 0) return { offset: 0, nextOffset: 0, size: 0, eof: true, text: '' };
  if (offset !== undefined) return readChunk(file, Math.min(offset, size), limit);
  const start = Math.max(0, size - limit);
  const chunk = readChunk(file, start, limit);
  if (start === 0) return chunk;
  const newline = chunk.text.indexOf('\n');
  if (newline < 0) return chunk;
  const skipped = Buffer.byteLength(chunk.text.slice(0, newline + 1));
  return { ...chunk, offset: chunk.offset + skipped, text: chunk.text.slice(newline + 1) };
}

export interface LineMatch { line: number; text: string }

const MAX_LINE = 400;

/** Lines containing `query` (case-insensitive), with 1-based numbers, over the whole file. */
export async function searchLines(file: string, query: string, max = 500): Promise<{ matches: LineMatch[]; truncated: boolean }> {
  const needle = query.toLowerCase();
  const matches: LineMatch[] = [];
  const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  let truncated = false;
  try {
    for await (const line of lines) {
      n++;
      const at = line.toLowerCase().indexOf(needle);
      if (at < 0) continue;
      if (matches.length >= max) {
        truncated = true;
        break;
      }
      // A very long line is cut around the match, so the answer stays small.
      const from = line.length > MAX_LINE ? Math.max(0, at - 100) : 0;
      matches.push({ line: n, text: line.length > MAX_LINE ? `${from > 0 ? '…' : ''}${line.slice(from, from + MAX_LINE)}…` : line });
    }
  } finally {
    lines.close();
  }
  return { matches, truncated };
}
