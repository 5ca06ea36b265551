// Where a path really lands on the host that holds an attempt's files (an SSH host, a container on
// another machine), for the path rules: `ln -s secrets s` and a read of `s/key` is a read of
// secrets/key there as it is here (real-path.ts). Symlinks can only be followed where the files
// are, so the host's driver runs RESOLVE_SCRIPT there — plain POSIX sh, since such a host needs
// nothing but sh and git — and the answers become a RealPath like the local one.
import path from 'node:path';
import type { PolicyRule } from '../../../src-shared/contract/methods/policy';
import { evaluatePolicy, type PolicyCall } from './evaluate';
import { spelledUnder, type RealPath } from './real-path';

/** Resolves paths on the host with the files: given absolute paths, where each really lands, in
 *  order. Rejects when the host could not be asked. */
export type ResolvePaths = (paths: readonly string[]) => Promise<string[]>;

/** Each argument (an absolute path) resolved as realpath(3) would, also when it does not exist yet
 *  (through its nearest existing folder) or is a dangling link (through its target), NUL after
 *  each. The same rules as real-path.ts's walk: a link is followed at most 40 times. Parameter
 *  expansion rather than dirname/basename: each level would cost two processes otherwise. A
 *  command substitution drops trailing newlines, hence the `x` after each. */
export const RESOLVE_SCRIPT = `
res() {
  if [ -L "$1" ]; then
    if [ "$2" -ge 40 ]; then printf '%s' "$1"; return; fi
    t=$(readlink -- "$1" && echo x) || { printf '%s' "$1"; return; }
    t=\${t%?x}
    case $t in
      /*) ;;
      *) p=$(res "\${1%/*}" "$2"; echo x); p=\${p%x}; t=\${p%/}/$t ;;
    esac
    res "$t" $(($2 + 1)); return
  fi
  if [ -d "$1" ]; then
    r=$(cd -P -- "$1" 2>/dev/null && pwd -P && echo x) && { printf '%s' "\${r%?x}"; return; }
  fi
  case $1 in
    /) printf /; return ;;
    /*/*) p=\${1%/*} ;;
    *) p=/ ;;
  esac
  r=$(res "$p" "$2"; echo x); r=\${r%x}
  printf '%s/%s' "\${r%/}" "\${1##*/}"
}
for a do res "$a" 0; printf '\\000'; done
`;

/** The command line that resolves `paths` (first the script, then its arguments). */
export function resolveArgv(paths: readonly string[]): string[] {
  return ['sh', '-c', RESOLVE_SCRIPT, 'shoal-realpath', ...paths];
}

/** The script's output: one resolved path per NUL. */
export function parseResolved(out: Buffer | string, count: number): string[] {
  const parts = out.toString('utf8').split('\0');
  if (parts.length !== count + 1 || parts[count] !== '') throw new Error(`resolving paths there gave ${parts.length - 1} answers for ${count}`);
  return parts.slice(0, count);
}

/** Asks the host once for the workdir and every path, and answers as realPathIn would from what
 *  it said: a path not asked about resolves to undefined (judged as written). */
export async function realPathThere(resolve: ResolvePaths, root: string, paths: readonly string[]): Promise<RealPath> {
  const spelledRoot = path.posix.resolve(root);
  const asked = paths.map((p) => path.posix.resolve(p));
  const [realRoot, ...real] = await resolve([spelledRoot, ...asked]);
  const answers = new Map(asked.map((p, i) => [p, real[i]!]));
  return (abs) => {
    const r = answers.get(path.posix.resolve(abs));
    return r === undefined ? undefined : spelledUnder(r, realRoot!, spelledRoot);
  };
}

/** Any path rule at all, for each tool the rules judge files by: with these, judging a call asks
 *  where every path it names lands (what a rule about them would follow). */
const ANY_PATH: readonly PolicyRule[] = ['read_file', 'write_file', 'apply_patch'].map((tool) => ({ id: `any-path-${tool}`, tool, path: '**', action: 'ask' as const }));

/** Every absolute path the path rules could follow for this call, whatever they say: what a remote
 *  agent, where the files are, tells the control plane about with each call (it cannot know the
 *  rules, which live there). */
export function followedPaths(call: Omit<PolicyCall, 'realPath'>): string[] {
  const asked = new Set<string>();
  evaluatePolicy({ ...call, realPath: (abs) => void asked.add(abs) }, [{ layer: 'user', rules: ANY_PATH }], 'on-request');
  return [...asked];
}
