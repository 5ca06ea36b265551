// Artifacts copied out of a container on another daemon are checked the way the SSH driver checks
// its own: against SHA-256 sums taken where they were written. The container has ended by the time
// they are copied (nothing can run in it then), so the sums are taken by a small sh wrapper around
// the agent, after the agent exits and before the container does. The wrapper passes the stop
// signal on to the agent (the container's init signals the wrapper, not the agent) and exits with
// the agent's own status. An image without `sha256sum` leaves no list: artifacts then come back
// unchecked, and the attempt's log says so.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Where the wrapper leaves the list, beside (not in) the artifacts dir, so it is no artifact. */
export const CHECKSUMS_PATH = '/shoal/artifacts.sha256';

const WRAPPER = [
  '"$@" & pid=$!',
  'trap \'kill -TERM "$pid" 2>/dev/null\' TERM INT HUP',
  // wait returns early when a trapped signal arrives; the agent's own status comes once it is gone.
  'while :; do wait "$pid"; code=$?; kill -0 "$pid" 2>/dev/null || break; done',
  `if command -v sha256sum >/dev/null 2>&1; then (cd /shoal/artifacts && for f in *; do [ -f "$f" ] && sha256sum -- "$f"; done; true) > ${CHECKSUMS_PATH}.part 2>/dev/null && mv ${CHECKSUMS_PATH}.part ${CHECKSUMS_PATH}; fi`,
  'exit "$code"',
].join('\n');

/** The container's command: the agent's argv run by the wrapper. */
export function withChecksums(argv: string[]): string[] {
  return ['sh', '-c', WRAPPER, 'shoal-agent', ...argv];
}

/** Compares each artifact brought back with the list; throws naming the first one that differs or
 *  has no sum. `listing` null: the container left no list (see above), nothing is checked. */
export function verifyArtifacts(listing: string | null, dir: string, names: string[]): { checked: boolean } {
  if (listing === null) return { checked: false };
  const sums = new Map<string, string>();
  for (const line of listing.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (m) sums.set(m[2]!, m[1]!);
  }
  for (const name of names) {
    const want = sums.get(name);
    if (!want) throw new Error(`artifact ${name} has no checksum from the container (written after the agent ended?)`);
    const got = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, name))).digest('hex');
    if (got !== want) throw new Error(`artifact ${name} arrived damaged (checksum mismatch)`);
  }
  return { checked: true };
}
