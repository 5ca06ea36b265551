// What a remote agent sends back besides events: artifact files (checked against their sha256 and
// stored where a local attempt's would be; large ones arrive in pieces) and its result branch (a git bundle verified and fetched
// into the run's workspace repository as `shoal/<run>/<task>`).
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { InlineFile, LeaseRef, WriteOp } from '../../../src-shared/protocol/worker-protocol';
import { artifactDir } from '../fleet/artifacts';

const exec = promisify(execFile);

export class UploadRejected extends Error {}

function decode(file: InlineFile): Buffer {
  const data = Buffer.from(file.data_b64, 'base64');
  const sha = crypto.createHash('sha256').update(data).digest('hex');
  if (sha !== file.sha256) throw new UploadRejected(`upload ${file.name}: sha256 ${sha} does not match the declared ${file.sha256}; nothing stored`);
  return data;
}

/** Verifies every file first, then stores them in the attempt's artifact dir; returns the mapping
 *  from the agent's path of a file to ours (by base name: an agent cannot pick where we write). */
export function storeUploadedFiles(dataDir: string, lease: LeaseRef, files: InlineFile[]): (agentPath: string) => string {
  const dir = artifactDir(dataDir, lease.run_id, lease.task_id, lease.attempt);
  const decoded = files.map((f) => ({ name: path.basename(f.name), data: decode(f) }));
  if (decoded.length > 0) fs.mkdirSync(dir, { recursive: true });
  for (const f of decoded) fs.writeFileSync(path.join(dir, f.name), f.data);
  return (agentPath) => path.join(dir, path.basename(agentPath.replace(/\\/g, '/')));
}

/** One piece of a large artifact: checked, written at its offset in a part file beside the
 *  attempt's artifacts; the last piece checks the whole and moves it into place. */
export function storeChunk(dataDir: string, lease: LeaseRef, c: Extract<WriteOp, { kind: 'chunk' }>): void {
  const data = Buffer.from(c.data_b64, 'base64');
  const name = path.basename(c.name);
  if (crypto.createHash('sha256').update(data).digest('hex') !== c.chunk_sha256) throw new UploadRejected(`upload ${name}: the piece at ${c.offset} does not match its sha256; nothing stored`);
  if (c.offset + data.length > c.size) throw new UploadRejected(`upload ${name}: a piece reaches past the declared size ${c.size}`);
  const dir = artifactDir(dataDir, lease.run_id, lease.task_id, lease.attempt);
  fs.mkdirSync(dir, { recursive: true });
  const part = path.join(dir, `.${name}.${c.sha256.slice(0, 16)}.part`);
  const fd = fs.openSync(part, fs.existsSync(part) ? 'r+' : 'w');
  try {
    fs.writeSync(fd, data, 0, data.length, c.offset);
  } finally {
    fs.closeSync(fd);
  }
  if (!c.last) return;
  const size = fs.statSync(part).size;
  const sha = fileSha256(part);
  if (size !== c.size || sha !== c.sha256) {
    fs.rmSync(part, { force: true });
    throw new UploadRejected(`upload ${name}: ${size} bytes with sha256 ${sha} arrived, not the declared ${c.size} bytes with ${c.sha256}; nothing stored`);
  }
  fs.renameSync(part, path.join(dir, name));
}

function fileSha256(file: string): string {
  const hash = crypto.createHash('sha256');
  const buf = Buffer.alloc(1024 * 1024);
  const fd = fs.openSync(file, 'r');
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } });
  return stdout;
}

/** A result bundle that arrived in pieces (`bundle_upload`): its path in the attempt's artifact dir,
 *  checked against the declared sha256 (a replayed finish finds it again: it is removed only once
 *  the finish is recorded). */
export function uploadedBundle(dataDir: string, lease: LeaseRef, upload: { name: string; sha256: string }): string {
  const file = path.join(artifactDir(dataDir, lease.run_id, lease.task_id, lease.attempt), path.basename(upload.name));
  if (!fs.existsSync(file)) throw new UploadRejected(`result bundle ${upload.name}: its pieces did not all arrive; nothing applied`);
  const sha = fileSha256(file);
  if (sha !== upload.sha256) throw new UploadRejected(`result bundle ${upload.name}: sha256 ${sha} does not match the declared ${upload.sha256}; nothing applied`);
  return file;
}

/** Puts the agent's result branch into the workspace repository, like a local attempt's. `uploaded`:
 *  the bundle's file when it came in pieces (uploadedBundle). */
export async function applyResultBranch(workspace: string | null, result: { branch: string; base_commit: string; bundle: InlineFile | null }, namespace = 'shoal/', uploaded?: string): Promise<void> {
  if (!workspace) return;
  if (!result.branch.startsWith(namespace)) throw new UploadRejected(`result branch "${result.branch}" must be under ${namespace}`);
  await git(workspace, ['check-ref-format', '--branch', result.branch]).catch(() => {
    throw new UploadRejected(`result branch "${result.branch}" is not a valid branch name`);
  });
  const ref = `refs/heads/${result.branch}`;
  if (uploaded) return fetchBundle(workspace, uploaded, result.branch, ref);
  if (!result.bundle) {
    await git(workspace, ['update-ref', ref, result.base_commit]);
    return;
  }
  const data = decode(result.bundle);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-result-'));
  const file = path.join(tmp, 'result.bundle');
  try {
    fs.writeFileSync(file, data);
    await fetchBundle(workspace, file, result.branch, ref);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function fetchBundle(workspace: string, file: string, branch: string, ref: string): Promise<void> {
  await git(workspace, ['bundle', 'verify', '-q', file]).catch((e: { stderr?: string }) => {
    throw new UploadRejected(`result bundle for ${branch} does not apply: ${String(e.stderr ?? e).trim()}`);
  });
  // --update-head-ok: a worktree of an earlier local attempt may still have the branch checked out.
  await git(workspace, ['fetch', '-q', '--update-head-ok', '--no-write-fetch-head', file, `+${ref}:${ref}`]);
}
