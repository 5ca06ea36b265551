// A private key file a person names for a kept worker (`shoal workers add --identity`, the Add
// worker dialog's Key file). It is read here, on this computer, so the worker registry can seal its
// content; only the path is ever shown. One place for both entry points, so the CLI and the dialog
// accept the same paths and refuse the same logins.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// ssh2 is CommonJS, and Node finds no named `utils` export in it: reached through the default.
import ssh2, { type ParsedKey } from 'ssh2';

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
  let privateKey: string;
  try {
    privateKey = fs.readFileSync(resolved, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${resolved}: ${readFailure(e as NodeJS.ErrnoException)}`);
  }
  // Checked here rather than at the first login: a wrong file would otherwise be sealed after a
  // probe that fails in ssh2's words ("privateKey value does not contain a (valid) private key").
  const problem = privateKeyProblem(privateKey);
  if (problem) throw new Error(`${resolved} ${problem}`);
  return { file: resolved, privateKey };
}

function readFailure(e: NodeJS.ErrnoException): string {
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  if (e.code === 'EISDIR') return 'it is a folder; give the private key file in it (e.g. id_ed25519)';
  return e.message;
}

/** Why the text cannot serve as an SSH login key (null: it can). Shoal never asks for a
 *  passphrase, so an encrypted key is refused with where a person can turn instead. */
export function privateKeyProblem(text: string): string | null {
  // ssh2 types one key, but an OpenSSH private key file parses to a list of them (ssh2 logs in
  // with the first, as taken here).
  const parsed: ParsedKey | ParsedKey[] | Error = ssh2.utils.parseKey(text);
  if (parsed instanceof Error) {
    return /passphrase/i.test(parsed.message)
      ? 'is protected by a passphrase, which Shoal cannot ask for: give a key without one, or leave the key file out to log in through your ssh-agent'
      : `is not a private key ssh can use (${parsed.message})`;
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key) return 'holds no key';
  if (!key.isPrivateKey()) return 'holds a public key; give the private key (the file without .pub)';
  return null;
}
