// What a command gets to talk to the world with; tests pass their own streams.
import { ShoalError } from '../../src-shared/contract/envelope';

export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export type Command = (args: string[], io: CliIo) => Promise<number>;

export class UsageError extends Error {}

/** Who a decision made on the command line is recorded as (approvals, pins, forgotten reaps). */
export function cliActor(io: CliIo): string {
  return `cli:${io.env.USER ?? 'user'}`;
}

/** A ShoalError from the core's validation means the person's input was wrong: every issue on its
 *  own line (they name the field) and exit 2, as for a usage error. Anything else is rethrown. */
export function inputErrorExit(error: unknown, io: CliIo): number {
  if (!(error instanceof ShoalError)) throw error;
  for (const issue of error.issues ?? [error.message]) io.stderr.write(`${issue}\n`);
  return 2;
}

export function flagString(flags: Map<string, string | true>, name: string): string | undefined {
  const v = flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** A comma-separated flag (`--capabilities a,b`) as its items, blanks dropped; empty when not given. */
export function flagList(flags: Map<string, string | true>, name: string): string[] {
  return (flagString(flags, name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

export function flagInt(flags: Map<string, string | true>, name: string, min: number, max: number): number | undefined {
  const v = flagString(flags, name);
  if (v === undefined) return undefined;
  // Decimal digits only: Number() would also take "0x10", "1e2" and " ".
  const n = /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name}: expected an integer from ${min} to ${max}, got "${v}"`);
  return n;
}
