// Flags that name a file or folder on this computer, checked before anything is written: an error
// names the flag and the path and says what is wrong with it, rather than Node's ENOENT / ENOTDIR.
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from './io';
import { fileInTheWay } from '../core/store/file-in-the-way';

/** A folder the command may create: it is one, or it can be made (what exists of its path is folders). */
export function creatableFolder(flag: string, dir: string): string {
  const file = fileInTheWay(dir);
  if (file === null) return dir;
  throw new UsageError(file === path.resolve(dir) ? `--${flag}: ${dir} is a file, not a folder` : `--${flag}: ${dir} cannot be made: ${file} is a file, not a folder`);
}

/** The PEM certificates in `file`, read whole. */
export function readPemFile(flag: string, file: string): Buffer {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st) throw new UsageError(`--${flag}: there is no file at ${file}`);
  if (!st.isFile()) throw new UsageError(`--${flag}: ${file} is not a file`);
  let pem: Buffer;
  try {
    pem = fs.readFileSync(file);
  } catch (error) {
    throw new UsageError(`--${flag}: ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--${flag}: ${file} holds no PEM certificate (a "-----BEGIN CERTIFICATE-----" block)`);
  return pem;
}
