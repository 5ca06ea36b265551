// Reading and validating a spec file for `shoal run` / `shoal validate`, before any store is opened:
// an invalid spec must not even create the database.
import fs from 'node:fs';
import path from 'node:path';
import { detectCapabilities } from '../core/fleet/capabilities';
import { loadSpec, type LoadResult } from '../core/fleet/spec/load-spec';
import { checkWorkspace, type WorkspaceCheck } from '../core/views/spec-review';
import { UsageError } from './io';

/** `--workspace DIR` (relative to where the command runs) judged as the launch preview judges it:
 *  a folder that is not there makes the spec invalid; one that is no git repository is a warning. */
export function readWorkspace(flag: string | undefined, cwd: string): WorkspaceCheck {
  return checkWorkspace(flag === undefined || flag.trim() === '' ? null : path.resolve(cwd, flag));
}

export function readSpecFile(file: string | undefined, cwd: string, ws: WorkspaceCheck): { file: string; text: string; result: LoadResult } {
  if (!file) throw new UsageError('which spec? e.g. `shoal run examples/hello.yaml`');
  const full = path.resolve(cwd, file);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return { file: full, text, result: withWorkspace(loadSpec(text, { filename: full, workspace: ws.path, defaultCapabilities: detectCapabilities() }), ws) };
}

/** The spec's own result with the workspace's issue or warning added, as the app's preview adds them. */
export function withWorkspace(result: LoadResult, ws: WorkspaceCheck): LoadResult {
  if (ws.issue) return { ok: false, issues: [...(result.ok ? [] : result.issues), ws.issue] };
  if (ws.warning && result.ok) return { ok: true, spec: { ...result.spec, warnings: [...result.spec.warnings, ws.warning] } };
  return result;
}
