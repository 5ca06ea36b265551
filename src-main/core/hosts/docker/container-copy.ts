// A remote Docker daemon (tcp://) cannot see this computer's files, so an attempt's worktree goes
// into the container as a tar archive before it starts and comes back out after it ends, with the
// artifacts; the local worktree then holds exactly what the container left, and the supervisor
// makes the patch and the branch from it the same way as for a bind mount. The system `tar` packs
// and unpacks (the same on Linux and macOS). The worktree's own `.git` (a link into the user's
// repository) stays here; the container gets a repository of its own instead, cloned here from the
// task's branch, so the agent sees the history (`git log`, `git diff` against the base) as it would
// in a mounted worktree, and nothing needs to run in the image before the agent. Its `.git` never
// comes back: only the files do. Each archive request has a stall deadline (stall-guard.ts): a
// daemon that stops taking or sending bytes fails the copy instead of hanging the attempt.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import type { Workdir } from '../../fleet/workspace';
import { CHECKSUMS_PATH, verifyArtifacts } from './artifact-checksums';
import { statusOf } from './docker-client';
import { guardedBody, StallGuard } from './stall-guard';

const execFileP = promisify(execFile);

/** Where the copies live inside the container. */
export const CONTAINER_WORKDIR = '/shoal/work';
export const CONTAINER_ARTIFACTS = '/shoal/artifacts';

/** The worktree at /shoal/work (its files, and a repository holding its branch's history when it
 *  has one) and an empty /shoal/artifacts, into a created container that has not started yet.
 *  `stallMs`: how long the daemon may take no bytes (or, after the last, not answer). */
export async function copyIn(container: Docker.Container, workdir: Workdir, stallMs: number): Promise<void> {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-copy-in-'));
  try {
    const work = path.join(stage, 'shoal', 'work');
    if (workdir.branch) await cloneBranch(workdir.dir, workdir.branch, work);
    fs.cpSync(workdir.dir, work, { recursive: true, verbatimSymlinks: true, filter: (src) => path.relative(workdir.dir, src) !== '.git' });
    // The index as the files are: `git status` in the container shows what the local one would.
    if (workdir.branch) await execFileP('git', ['-C', work, 'reset', '-q']);
    fs.mkdirSync(path.join(stage, 'shoal', 'artifacts'), { recursive: true });
    const { stdout } = await execFileP('tar', ['-C', stage, '-cf', '-', 'shoal'], { encoding: 'buffer', maxBuffer: 2 ** 31 });
    // The packing above is this computer's work: the guard times only the daemon.
    const guard = new StallGuard(stallMs);
    const body = guardedBody(stdout, guard);
    try {
      await container.putArchive(body, { path: '/', abortSignal: guard.signal });
    } catch (e) {
      throw guard.stalled ?? e;
    } finally {
      guard.done();
      body.destroy();
    }
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

/** A repository at `into` whose HEAD is the worktree's branch, with nothing checked out yet. No
 *  remote: the path it came from means nothing inside the container. */
async function cloneBranch(worktree: string, branch: string, into: string): Promise<void> {
  await execFileP('git', ['clone', '-q', '--no-checkout', '--single-branch', '--branch', branch, worktree, into]);
  await execFileP('git', ['-C', into, 'remote', 'remove', 'origin']);
}

/** After the container ended (it still exists): the worktree's files replace the local ones (all
 *  but `.git`), the artifacts land in `artifactsDir`, checked against the sums the container took
 *  (artifact-checksums.ts). Returns the artifact file names and whether they were checked. */
export async function copyOut(container: Docker.Container, workdir: string, artifactsDir: string, stallMs: number): Promise<{ names: string[]; checked: boolean }> {
  for (const entry of fs.readdirSync(workdir)) {
    if (entry !== '.git') fs.rmSync(path.join(workdir, entry), { recursive: true, force: true });
  }
  await fetchInto(container, CONTAINER_WORKDIR, workdir, 1, stallMs);
  const before = new Set(fs.readdirSync(artifactsDir));
  await fetchInto(container, CONTAINER_ARTIFACTS, artifactsDir, 1, stallMs);
  const names = fs.readdirSync(artifactsDir).filter((n) => !before.has(n) && fs.statSync(path.join(artifactsDir, n)).isFile());
  const { checked } = verifyArtifacts(await readChecksums(container, stallMs), artifactsDir, names);
  return { names, checked };
}

/** The wrapper's checksum list, or null when the container left none. */
async function readChecksums(container: Docker.Container, stallMs: number): Promise<string | null> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-sums-'));
  try {
    await fetchInto(container, CHECKSUMS_PATH, tmp, 0, stallMs);
    return fs.readFileSync(path.join(tmp, path.posix.basename(CHECKSUMS_PATH)), 'utf8');
  } catch (e) {
    if (statusOf(e) === 404) return null;
    throw e;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** `from` in the container, unpacked into `into`, under one stall guard: the answer must start, and
 *  then keep coming, with no gap longer than `stallMs`. */
async function fetchInto(container: Docker.Container, from: string, into: string, strip: number, stallMs: number): Promise<void> {
  const guard = new StallGuard(stallMs);
  try {
    const archive = await container.getArchive({ path: from, abortSignal: guard.signal });
    await extract(archive, into, strip, guard);
  } catch (e) {
    throw guard.stalled ?? e;
  } finally {
    guard.done();
  }
}

/** Unpacks a tar stream from the daemon into `into`. A `docker cp` archive holds the copied path
 *  itself as its top entry: with `strip` 1 a directory's contents go to `into`, with 0 a file lands
 *  there under its own name. */
export function extract(archive: NodeJS.ReadableStream, into: string, strip: number, guard: StallGuard): Promise<void> {
  return new Promise((resolve, reject) => {
    // The container's repository stays there: the local worktree keeps its own `.git`.
    const tar = spawn('tar', ['-x', '-C', into, `--strip-components=${strip}`, '--no-same-owner', '--exclude=.git', '-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    let ended = false;
    const cut = (e: unknown): void => {
      // The archive stopped midway: our tar would wait for the rest for ever.
      tar.kill();
      reject(e);
    };
    tar.stderr.on('data', (d: Buffer) => (err += d.toString()));
    tar.on('error', reject);
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`copying out of the container: tar exited ${code}: ${err.trim()}`))));
    archive.on('data', () => guard.progress());
    archive.on('end', () => (ended = true));
    archive.on('error', cut);
    archive.on('close', () => {
      if (!ended) cut(Object.assign(new Error('the connection was lost'), { code: 'ECONNRESET' }));
    });
    // A tar that exits early (a bad archive, no space) closes its stdin under the pipe: the EPIPE
    // must not become an uncaught error in main; the exit code above says what went wrong.
    tar.stdin.on('error', () => undefined);
    archive.pipe(tar.stdin);
  });
}
