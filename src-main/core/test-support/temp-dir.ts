// Temp directories for tests, each removed after its test file (see vitest-setup.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

export function tempDir(prefix = 'shoal-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every directory tempDir made (SHOAL_KEEP_TMP=1 keeps them to look at). */
export function removeTempDirs(): void {
  if (process.env.SHOAL_KEEP_TMP) return;
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}
