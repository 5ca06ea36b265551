// Unpacking an archive the daemon streams, with the real tar: a tar that gives up early (here: its
// target folder does not exist) fails the copy with tar's own error while the archive still
// streams, instead of an EPIPE on its stdin escaping as an uncaught error in main.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/temp-dir';
import { extract } from './container-copy';
import { StallGuard } from './stall-guard';

describe('extract', () => {
  it('fails with tar\'s error when tar exits while the archive is still streaming', async () => {
    const src = tempDir();
    // Large enough that the archive is still being written when tar gives up at once.
    fs.writeFileSync(path.join(src, 'big'), Buffer.alloc(32 * 1024 * 1024, 7));
    const packer = spawn('tar', ['-c', '-C', src, '.'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    const guard = new StallGuard(10_000);
    try {
      await expect(extract(packer.stdout, path.join(src, 'no', 'such', 'folder'), 1, guard)).rejects.toThrow(/tar exited 2/);
      await new Promise((r) => setTimeout(r, 200)); // a late EPIPE would surface by now
      expect(uncaught).toEqual([]);
    } finally {
      guard.done();
      process.off('uncaughtException', onUncaught);
      packer.kill();
    }
  });
});
