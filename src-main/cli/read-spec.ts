// Reading and validating a spec file for `shoal run` / `shoal validate`, before any store is opened:
// an invalid spec must not even create the database.
import fs from 'node:fs';
import path from 'node:path';
import { decodeSpecBytes } from '../../src-shared/protocol/spec-bytes';
import { detectCapabilities } from '../core/fleet/capabilities';
import { loadSpec, type LoadOptions, type LoadResult } from '../core/fleet/spec/load-spec';
import { checkWorkspace, type WorkspaceCheck } from '../core/views/spec-review';
import { UsageError } from './io';

/** `--workspace DIR` (relative to where the command runs) judged as the launch preview judges it:
 *  a folder that is not there makes the spec invalid; one that is no git repository is a warning. */
export function readWorkspace(flag: string | undefined, cwd: string): WorkspaceCheck {
  return checkWorkspace(flag === undefined || flag.trim() === '' ? null : path.resolve(cwd, flag));
}

/** The spec file's text, or the problem with its bytes (`(root): not UTF-8 text: …`). A file that
 *  cannot be read at all is a usage error naming it and why. */
export function readSpecText(file: string, cwd: string): { file: string; text: string; issue: null } | { file: string; text: null; issue: string } {
  const full = path.resolve(cwd, file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(full);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder, not a spec file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message;
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
  const decoded = decodeSpecBytes(bytes);
  return decoded.ok ? { file: full, text: decoded.text, issue: null } : { file: full, text: null, issue: `(root): ${decoded.problem}` };
}

export function readSpecFile(
  file: string | undefined, cwd: string, ws: WorkspaceCheck, userPolicy?: LoadOptions['userPolicy'], sharedWorkers?: LoadOptions['sharedWorkers'],
): { file: string; text: string; result: LoadResult } {
  if (!file) throw new UsageError('which spec? e.g. `shoal run examples/hello.yaml`');
  const read = readSpecText(file, cwd);
  if (read.text === null) return { file: read.file, text: '', result: withWorkspace({ ok: false, issues: [read.issue] }, ws) };
  return { file: read.file, text: read.text, result: withWorkspace(loadSpec(read.text, { filename: read.file, workspace: ws.path, defaultCapabilities: detectCapabilities(), ...(userPolicy ? { userPolicy } : {}), ...(sharedWorkers ? { sharedWorkers } : {}) }), ws) };
}

/** The spec's own result with the workspace's issue or warning added, as the app's preview adds them. */
export function withWorkspace(result: LoadResult, ws: WorkspaceCheck): LoadResult {
  if (ws.issue) return { ok: false, issues: [...(result.ok ? [] : result.issues), ws.issue] };
  if (ws.warning && result.ok) return { ok: true, spec: { ...result.spec, warnings: [...result.spec.warnings, ws.warning] } };
  return result;
}
