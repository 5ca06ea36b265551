// Files on an SSH host naming the process groups this store's attempts run there, so that a group
// the host started while Shoal crashed, or lost the connection, before the pgid came back and was
// stored with the attempt can still be found and ended. The agent's wrapper writes its marker in
// the new group before the agent starts (shell builtins only: no extra process, no extra exec), and
// the attempt's cleanup, which runs once the group ended, removes it with the workdir; a marker
// outlives its group only when the connection (or Shoal) went before that cleanup. A sweep before the host is called usable lists the
// markers of this store and ends the groups of attempts that do not run now (TERM, then KILL after
// the grace, as a cancel does), then removes their markers and workdirs; another store's markers
// are in another directory and never read.
//
// The store's folder goes once it is empty (each test has its own store, and hundreds of empty
// folders piled up): the attempt's cleanup, a sweep, a reap that removes a marker, and the driver's
// close each end with `rmdir`, which removes only an empty folder and fails harmlessly on one
// holding markers. That may take the folder away between a start's `mkdir -p` of it and its
// launcher's write of the marker, so the launcher itself makes the folder again when its write
// fails and writes once more: each such failure needs another `rmdir` to land in that same
// instant, and a start gives up only after MARKER_TRIES of them in a row (each is one cleanup,
// sweep or close for that store ending meanwhile).
//
// A marker's name is its attempt's key (run, task, attempt, each percent-escaped so that only
// [A-Za-z0-9%_-] and the dots between them appear), or that key's digest when it would make too long
// a file name; its content is "<pgid> <key>", which is what the sweep reads.
import crypto from 'node:crypto';
import path from 'node:path';
import { refSlug } from '../../fleet/ids';
import { shellQuote as q } from '../shell-quote';
import { killGroup, OWNED_GROUP_FN, workdirEntry } from './remote-groups';

export interface MarkedAttempt { runId: string; taskId: string; attempt: number }

/** Where an attempt's agent runs on the host (its worktree), under Shoal's remote directory. */
export function remoteWorkdir(root: string, a: MarkedAttempt): string {
  return `${root}/work/${refSlug(a.runId)}/${refSlug(a.taskId)}-${a.attempt}`;
}

/** The store's marker directory under Shoal's remote directory. */
export function markerDir(root: string, storeId: string): string {
  return `${root}/running/${storeId}`;
}

function escapeId(id: string): string {
  return encodeURIComponent(id).replace(/[!'()*~.]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function markerKey(a: MarkedAttempt): string {
  return `${escapeId(a.runId)}.${escapeId(a.taskId)}.${a.attempt}`;
}

/** Well under the 255 bytes a file name may have. */
const MAX_NAME = 200;

export function markerFile(root: string, storeId: string, a: MarkedAttempt): string {
  const key = markerKey(a);
  const name = key.length + '.pgid'.length <= MAX_NAME ? key : crypto.createHash('sha256').update(key).digest('hex').slice(0, 40);
  return `${markerDir(root, storeId)}/${name}.pgid`;
}

function parseKey(key: string): MarkedAttempt | null {
  const parts = key.split('.');
  if (parts.length !== 3 || !/^[1-9][0-9]*$/.test(parts[2]!)) return null;
  try {
    return { runId: decodeURIComponent(parts[0]!), taskId: decodeURIComponent(parts[1]!), attempt: Number(parts[2]) };
  } catch {
    return null;
  }
}

/** How often the launcher makes the marker's folder again when it finds it gone (see above). A
 *  remover in a tight loop (the marker-folders test's) falls into step with the launcher's own
 *  `mkdir` and can win many rounds in a row: 17 were seen, and 20 were not always enough. A try
 *  costs one `mkdir`, and only while the folder keeps going away. */
const MARKER_TRIES = 100;

/** The agent's launcher, run by `sh -c` as the new group's leader with the marker's path and key
 *  before the agent's argv: it writes the marker, reports its pgid on stderr (the first line
 *  there), then becomes the agent. Its first write is shell builtins only (no extra process); only
 *  when the folder was removed meanwhile does it run `mkdir -p` and write again. A marker it cannot
 *  write fails the start (nothing would find the group otherwise) before the pgid is reported. */
export const MARKED_LAUNCHER = 'm=$1; k=$2; shift 2; n=0; '
  + 'until { printf "%s %s\\n" "$$" "$k" > "$m"; } 2>/dev/null; do '
  + `n=$((n+1)); [ $n -le ${MARKER_TRIES} ] && mkdir -p "\${m%/*}" 2>/dev/null || { printf "shoal: could not write the pgid marker %s\\n" "$m" >&2; exit 126; }; `
  + 'done; printf "SHOAL_PGID=%s\\n" "$$" >&2; exec "$@"';

/** Removes the store's marker folder if it is empty; one holding markers stays (rmdir refuses). */
export function removeEmptyMarkerDirCommand(dir: string): string {
  return `{ rmdir ${q(dir)} 2>/dev/null || true; }`;
}

/** Prints "<pgid> <key>" for each of the directory's markers (nothing when there is none); the
 *  directory goes when it holds none. */
export function listMarkersCommand(dir: string): string {
  return `for f in ${q(dir)}/*.pgid; do [ -f "$f" ] || continue; l=; read -r l < "$f"; printf '%s %s\\n' "\${f##*/}" "$l"; done; ${removeEmptyMarkerDirCommand(dir)}`;
}

export interface ListedMarker extends MarkedAttempt { file: string; pgid: number }

/** Lines of listMarkersCommand; a marker being written (no content yet) or unreadable is left out. */
export function parseMarkerList(out: string): ListedMarker[] {
  const found: ListedMarker[] = [];
  for (const line of out.split('\n')) {
    const m = /^(\S+\.pgid) ([1-9][0-9]*) (\S+)$/.exec(line);
    const a = m ? parseKey(m[3]!) : null;
    if (m && a) found.push({ file: m[1]!, pgid: Number(m[2]), ...a });
  }
  return found;
}

export interface GroupToEnd { pgid: number; marker: string; workdir: string }

/** One command that ends each group still its attempt's (its leader's environment, or a member's
 *  once the leader exited, names the attempt's workdir, so a recycled pgid is never signalled): TERM,
 *  then KILL to those left after `graceMs`; then removes the markers and workdirs, and their folders
 *  once empty. Prints "ended <pgid>" per group it signalled. */
export function endGroupsCommand(groups: readonly GroupToEnd[], graceMs: number): string {
  const steps = Math.max(1, Math.ceil(graceMs / 100));
  const term = groups.map((g) => `e ${g.pgid} ${q(workdirEntry(g.workdir))}`).join('; ');
  const paths = groups.flatMap((g) => [g.marker, g.workdir, `${g.workdir}.artifacts`]).map(q).join(' ');
  return [
    OWNED_GROUP_FN,
    'k=',
    `e() { if owned "$1" "$2"; then ${killGroup('$1', 'TERM')} && k="$k $1" && echo "ended $1"; fi; }`,
    term,
    `i=0; while [ -n "$k" ] && [ $i -lt ${steps} ]; do sleep 0.1; a=; for p in $k; do ${killGroup('$p', '0')} && a="$a $p"; done; k=$a; i=$((i+1)); done`,
    `for p in $k; do ${killGroup('$p', 'KILL')}; done`,
    `rm -rf ${paths}`,
    ...[...new Set(groups.map((g) => path.posix.dirname(g.marker)))].map(removeEmptyMarkerDirCommand),
  ].join('\n');
}
