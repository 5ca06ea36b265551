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
  let realRoot: string | null = null;
  const spelledRoot = path.resolve(root);
  return (abs) => {
    // Found once and kept (a resolver lives as long as its attempt); a root not there yet is looked
    // for again on the next path.
    realRoot ??= tryReal(spelledRoot);
    if (realRoot === null) return undefined;
    return spelledUnder(landsAt(path.resolve(abs), 0), realRoot, spelledRoot);
  };
}

/** A resolved path as the rules compare it: under the workdir as the agent spells it when it lands
 *  inside (`realRoot` is where that workdir really is), else the real absolute path. */
export function spelledUnder(real: string, realRoot: string, spelledRoot: string): string {
  if (real === realRoot) return spelledRoot;
  if (real.startsWith(realRoot === '/' ? '/' : realRoot + '/')) return path.posix.join(spelledRoot, real.slice(realRoot.length));
  return real;
}

function tryReal(p: string): string | null {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return null;
  }
}

function landsAt(p: string, depth: number): string {
  return tryReal(p) ?? walk(p, depth);
}

/** A path realpath could not resolve: not there (yet), or a dangling or looping link. Its folder
 *  resolved, then the name in it (a link: where it points). lstat without throwing, since an
 *  exception per missing level would cost more than the syscalls. */
function walk(p: string, depth: number): string {
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(p, { throwIfNoEntry: false });
  } catch {
    st = undefined; // under a file (ENOTDIR) or a looping link (ELOOP): nothing there
  }
  if (st && !st.isSymbolicLink()) return tryReal(p) ?? p;
  const parent = path.dirname(p);
  if (parent === p) return p;
  const folder = walk(parent, depth);
  const here = path.join(folder, path.basename(p));
  if (!st || depth >= 40) return here;
  let target: string;
  try {
    target = fs.readlinkSync(p);
  } catch {
    return here;
  }
  return landsAt(path.resolve(folder, target), depth + 1);
}
