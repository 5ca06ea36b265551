// Artifacts are copied into Shoal's data dir with their sha256, size and mime type. Reads are
// confined: a spec or an agent cannot make Shoal read outside the task's workdir (symlinks
// included) or write outside the data dir.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FleetArtifactRef } from '../../../src-shared/protocol/fleet';
import { refSlug } from './ids';

const MIME: Record<string, string> = {
  '.log': 'text/plain', '.txt': 'text/plain', '.md': 'text/markdown', '.json': 'application/json', '.xml': 'application/xml',
  '.patch': 'text/x-diff', '.diff': 'text/x-diff', '.html': 'text/html', '.csv': 'text/csv', '.yaml': 'application/yaml',
  '.yml': 'application/yaml', '.toml': 'application/toml', '.png': 'image/png', '.jpg': 'image/jpeg', '.svg': 'image/svg+xml',
};

export function mimeFor(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export class PathEscapeError extends Error {}

/** Resolves `rel` inside `root`, following symlinks, and refuses anything that lands outside. */
export function confinedPath(root: string, rel: string): string {
  const realRoot = fs.realpathSync(root);
  const real = realPathOf(path.resolve(realRoot, rel));
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) throw new PathEscapeError(`"${rel}" resolves outside the task workdir`);
  return real;
}

/** Where a path really lands, also when it does not exist yet: the nearest existing folder above it
 *  is resolved (a new file under a symlinked folder lands where that folder points), and so is a
 *  dangling symlink (writing to it creates its target). */
function realPathOf(p: string, depth = 0): string {
  try {
    return fs.realpathSync(p);
  } catch {
    // does not exist (yet), or a dangling or looping symlink
  }
  const parent = path.dirname(p);
  if (parent === p) return p;
  const realParent = realPathOf(parent, depth);
  let link: string | null = null;
  try {
    if (depth < 40 && fs.lstatSync(p).isSymbolicLink()) link = fs.readlinkSync(p);
  } catch {
    link = null;
  }
  return link !== null ? realPathOf(path.resolve(realParent, link), depth + 1) : path.join(realParent, path.basename(p));
}

export function artifactDir(dataDir: string, runId: string, taskId: string, attempt: number): string {
  return path.join(dataDir, 'artifacts', refSlug(runId), refSlug(taskId), String(attempt));
}

/** True for a regular file itself: not a symlink (which may name anything on this computer), not a
 *  pipe or a device (reading one may never end). What an agent leaves behind is only read if so. */
export function isPlainFile(file: string): boolean {
  try {
    return fs.lstatSync(file).isFile();
  } catch {
    return false;
  }
}

function digest(file: string): { checksum: string; size: number } {
  const hash = crypto.createHash('sha256');
  // Never through a link, and never waiting on a pipe to open: an agent can put either in its
  // artifact folder, even in place of a file Shoal wrote there.
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (e) {
    // O_NOFOLLOW refuses a link with ELOOP ("too many symbolic links"), which would only puzzle.
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new PathEscapeError(`${path.basename(file)} is a symbolic link, not a file; it is not read`);
    throw e;
  }
  const buf = Buffer.allocUnsafe(1 << 16);
  let size = 0;
  try {
    if (!fs.fstatSync(fd).isFile()) throw new PathEscapeError(`${path.basename(file)} is not a regular file; it is not read`);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      size += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { checksum: `sha256:${hash.digest('hex')}`, size };
}

/** Describes a file already in the artifact dir (the agent log is written there directly). */
export function describeArtifact(kind: string, file: string): FleetArtifactRef {
  const { checksum, size } = digest(file);
  return { kind, path: file, checksum, mime_type: mimeFor(file), size_bytes: size } as FleetArtifactRef;
}

/** Writes a new file in `dir`: whatever the agent left under that name (a link to a file elsewhere)
 *  is replaced, never written through. */
function writeNew(file: string, write: (file: string) => void): void {
  fs.rmSync(file, { force: true });
  write(file);
}

export function writeArtifact(dir: string, name: string, kind: string, content: string | Buffer): FleetArtifactRef {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, path.basename(name));
  writeNew(file, (f) => fs.writeFileSync(f, content, { flag: 'wx' }));
  return describeArtifact(kind, file);
}

/** Copies a file the task produced (confined to its workdir) into the artifact dir. */
export function collectArtifact(workdir: string, rel: string, dir: string, kind: string): FleetArtifactRef | null {
  const src = confinedPath(workdir, rel);
  if (!fs.existsSync(src) || !fs.statSync(src).isFile()) return null;
  fs.mkdirSync(dir, { recursive: true });
  const dest = path.join(dir, `${refSlug(kind)}-${path.basename(src)}`);
  writeNew(dest, (f) => fs.copyFileSync(src, f, fs.constants.COPYFILE_EXCL));
  return describeArtifact(kind, dest);
}
