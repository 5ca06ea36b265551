// Pieces of a large artifact on the control plane: each piece checked by its sha256, written at its
// offset (a replayed piece changes nothing), and the whole checked before it is stored; a bad piece
// or a whole that does not match is refused and leaves no file behind.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WriteOp } from '../../../src-shared/protocol/worker-protocol';
import { artifactDir } from '../fleet/artifacts';
import { tempDir } from '../test-support/temp-core';
import { storeChunk, UploadRejected } from './uploads';

const lease = { run_id: 'r', task_id: 't', attempt: 1, token: 'x', inbox_seq: 1 };
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

function pieces(data: Buffer, size: number, declared = sha(data)): Array<Extract<WriteOp, { kind: 'chunk' }>> {
  const out: Array<Extract<WriteOp, { kind: 'chunk' }>> = [];
  for (let offset = 0; offset < data.length; offset += size) {
    const p = data.subarray(offset, offset + size);
    out.push({ kind: 'chunk', name: 'big.bin', sha256: declared, size: data.length, offset, last: offset + p.length >= data.length, chunk_sha256: sha(p), data_b64: p.toString('base64') });
  }
  return out;
}

describe('chunked uploads', () => {
  it('stores the file once every piece arrived, even when a piece is replayed', () => {
    const dir = tempDir('shoal-chunks-');
    const data = crypto.randomBytes(10_000);
    const [a, b, c] = pieces(data, 4_000);
    storeChunk(dir, lease, a!);
    storeChunk(dir, lease, b!);
    storeChunk(dir, lease, b!);
    storeChunk(dir, lease, c!);
    const out = artifactDir(dir, 'r', 't', 1);
    expect(fs.readFileSync(path.join(out, 'big.bin')).equals(data)).toBe(true);
    expect(fs.readdirSync(out)).toEqual(['big.bin']);
  });

  it('refuses a piece that does not match its checksum, and a whole that does not match', () => {
    const dir = tempDir('shoal-chunks-bad-');
    const data = crypto.randomBytes(5_000);
    const [a, b] = pieces(data, 3_000);
    expect(() => storeChunk(dir, lease, { ...a!, chunk_sha256: sha(Buffer.from('other')) })).toThrow(UploadRejected);
    const wrongWhole = pieces(data, 3_000, sha(Buffer.from('not it')));
    storeChunk(dir, lease, wrongWhole[0]!);
    expect(() => storeChunk(dir, lease, wrongWhole[1]!)).toThrow(/not the declared 5000 bytes/);
    expect(fs.readdirSync(artifactDir(dir, 'r', 't', 1))).toEqual([]);
    expect(b!.last).toBe(true);
  });
});
