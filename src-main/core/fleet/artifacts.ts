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
  const candidate = path.resolve(realRoot, rel);
  let real: string;
  try {
    real = fs.realpathSync(candidate);
  } catch {
    real = candidate; // does not exist (yet): judge the lexical path
  }
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) throw new PathEscapeError(`"${rel}" resolves outside the task workdir`);
  return real;
}

export function artifactDir(dataDir: string, runId: string, taskId: string, attempt: number): string {
  return path.join(dataDir, 'artifacts', refSlug(runId), refSlug(taskId), String(attempt));
}

function digest(file: string): { checksum: string; size: number } {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 16);
  let size = 0;
  try {
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

export function writeArtifact(dir: string, name: string, kind: string, content: string | Buffer): FleetArtifactRef {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, path.basename(name));
  fs.writeFileSync(file, content);
  return describeArtifact(kind, file);
}

/** Copies a file the task produced (confined to its workdir) into the artifact dir. */
export function collectArtifact(workdir: string, rel: string, dir: string, kind: string): FleetArtifactRef | null {
  const src = confinedPath(workdir, rel);
  if (!fs.existsSync(src) || !fs.statSync(src).isFile()) return null;
  fs.mkdirSync(dir, { recursive: true });
  const dest = path.join(dir, `${refSlug(kind)}-${path.basename(src)}`);
  fs.copyFileSync(src, dest);
  return describeArtifact(kind, dest);
}
