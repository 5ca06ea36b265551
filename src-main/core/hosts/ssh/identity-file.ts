// A private key file a person names for a kept worker (`shoal workers add --identity`, the Add
// worker dialog's Key file). It is read here, on this computer, so the worker registry can seal its
// content; only the path is ever shown. One place for both entry points, so the CLI and the dialog
// accept the same paths and refuse the same logins.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Whether a key file can serve this worker's login: an SSH host's, or that of a Docker daemon
 *  reached over ssh:// (its own docker host, else DOCKER_HOST, as the driver resolves it). Any other
 *  daemon is reached without SSH, so a key there would be sealed and never used. */
export function takesSshKey(kind: 'ssh' | 'docker', dockerHost: string | null): boolean {
  return kind === 'ssh' || (dockerHost || process.env.DOCKER_HOST || '').startsWith('ssh://');
}

/** Reads the key file. `~/` is the home directory; a relative path is taken from `cwd`, and refused
 *  when there is none (the dialog has no working directory a person could mean). Throws a message
 *  for the caller to prefix with its field's name. */
export function readIdentityFile(file: string, cwd: string | null): { file: string; privateKey: string } {
  const expanded = file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : file;
  if (!path.isAbsolute(expanded) && cwd === null) throw new Error(`give the key file's full path (or ~/…), not "${file}"`);
  const resolved = path.resolve(cwd ?? '/', expanded);
  try {
    return { file: resolved, privateKey: fs.readFileSync(resolved, 'utf8') };
  } catch {
    throw new Error(`cannot read ${resolved}`);
  }
}
