// Reading and validating a spec file for `shoal run` / `shoal validate`, before any store is opened:
// an invalid spec must not even create the database.
import fs from 'node:fs';
import path from 'node:path';
import { detectCapabilities } from '../core/fleet/capabilities';
import { loadSpec, type LoadResult } from '../core/fleet/spec/load-spec';
import { UsageError } from './io';

export function readSpecFile(file: string | undefined, cwd: string, workspace: string | null): { file: string; text: string; result: LoadResult } {
  if (!file) throw new UsageError('which spec? e.g. `shoal run examples/hello.yaml`');
  const full = path.resolve(cwd, file);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return { file: full, text, result: loadSpec(text, { filename: full, workspace, defaultCapabilities: detectCapabilities() }) };
}
