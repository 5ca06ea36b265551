// The check of artifacts copied out of a container: against the container's own sha256sum lines.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/temp-dir';
import { verifyArtifacts, withChecksums } from './artifact-checksums';

function artifacts(files: Record<string, string>): { dir: string; listing: string } {
  const dir = tempDir('shoal-art-');
  for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), body);
  // The real tool's output, as the wrapper writes it.
  return { dir, listing: execFileSync('sha256sum', ['--', ...Object.keys(files)], { cwd: dir, encoding: 'utf8' }) };
}

describe('artifact checksums', () => {
  it('passes artifacts that match the container\'s sums', () => {
    const { dir, listing } = artifacts({ 'report.json': '{"ok":true}\n', 'name with spaces.txt': 'x' });
    expect(verifyArtifacts(listing, dir, ['report.json', 'name with spaces.txt'])).toEqual({ checked: true });
  });

  it('refuses a damaged artifact and one without a sum, naming it', () => {
    const { dir, listing } = artifacts({ 'report.json': '{"ok":true}\n' });
    fs.writeFileSync(path.join(dir, 'report.json'), '{"ok":fals');
    expect(() => verifyArtifacts(listing, dir, ['report.json'])).toThrow('artifact report.json arrived damaged (checksum mismatch)');
    fs.writeFileSync(path.join(dir, 'extra.bin'), 'late');
    expect(() => verifyArtifacts('', dir, ['extra.bin'])).toThrow('artifact extra.bin has no checksum from the container');
  });

  it('says nothing was checked when the container left no list', () => {
    expect(verifyArtifacts(null, tempDir('shoal-art-'), ['a'])).toEqual({ checked: false });
  });

  it('the wrapper exits with the agent\'s status', () => {
    // Run here by sh against a stand-in for /shoal: the paths are fixed inside a container, so
    // this only checks the status passes through (the sums are checked in the container tests).
    const [cmd, ...args] = withChecksums(['sh', '-c', 'exit 7']);
    let code = 0;
    try {
      execFileSync(cmd!, args, { stdio: 'ignore' });
    } catch (e) {
      code = (e as { status: number }).status;
    }
    expect(code).toBe(7);
  });
});
