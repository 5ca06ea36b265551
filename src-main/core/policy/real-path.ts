// Where a path really lands, for the path rules: a rule about `secrets/**` must not be passed by
// `ln -s secrets s` and a read of `s/key`. The gateway gives the policy this resolver when the
// call's files are on this computer; the policy then judges a path both as written and as resolved,
// and the stricter verdict stands. One realpath(3) per existing path; a path that does not exist yet
// (a file being created) is resolved through its nearest existing folder, and a dangling symlink
// through its target (writing to it creates that target).
import fs from 'node:fs';
import path from 'node:path';

export type RealPath = (abs: string) => string | undefined;

/** A resolver for paths under `root` (the workdir): an absolute path in, where it really lands
 *  out — spelled under `root` as given when it stays inside (so relative rules still compare it to
 *  the workdir), the real absolute path when it leaves. undefined: the root itself does not resolve
 *  here (the files are elsewhere). */
export function realPathIn(root: string): RealPath {
  let realRoot: string | null | undefined;
  const spelledRoot = path.resolve(root);
  return (abs) => {
    if (realRoot === undefined) realRoot = tryReal(spelledRoot);
    if (realRoot === null) return undefined;
    const real = landsAt(path.resolve(abs), 0);
    if (real === realRoot) return spelledRoot;
    if (real.startsWith(realRoot === '/' ? '/' : realRoot + '/')) return path.join(spelledRoot, real.slice(realRoot.length));
    return real;
  };
}

function tryReal(p: string): string | null {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return null;
  }
}

function landsAt(p: string, depth: number): string {
  const real = tryReal(p);
  if (real !== null) return real;
  const parent = path.dirname(p);
  if (parent === p) return p;
  const realParent = landsAt(parent, depth);
  const here = path.join(realParent, path.basename(p));
  if (depth >= 40) return here;
  let link: string | null = null;
  try {
    link = fs.readlinkSync(here); // a dangling (or looping) symlink: where a write to it goes
  } catch {
    return here; // it does not exist (yet)
  }
  return landsAt(path.resolve(realParent, link), depth + 1);
}
