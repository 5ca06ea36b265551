// `shoal wire`: the protocol conformance filter. Reads JSON lines {"type": T, "value": V} on stdin
// and answers each with one line (see src-shared/protocol/wire-types.ts). Answers stream: every
// input chunk is answered as soon as it has been read, so a driver may write one line and wait.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { wireLine } from '../../../src-shared/protocol/wire-types';

export interface WireIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = `usage: shoal wire < lines.jsonl
Each input line: {"type": "<FleetRun|FleetTaskSpec|...>", "value": <JSON>}
Each output line: {"ok":true,"type":T,"value":<as the Rust reference implementation re-serializes it>}
              or {"ok":false,"type":T,"error":"<field path>: <what is wrong>"}
`;

const BLANK = /^[ \t\r\n]*$/;

export async function run(args: string[], io: WireIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (args.length > 0) {
    io.stderr.write(`shoal wire: unexpected argument ${JSON.stringify(args[0])}\n${USAGE}`);
    return 2;
  }
  const rl = createInterface({ input: io.stdin, crlfDelay: Infinity, terminal: false });
  // readline emits every line of a chunk synchronously; batch their answers into one write per
  // chunk (flushed on the next macrotask), and stop reading while stdout is backed up.
  let pending = '';
  let scheduled = false;
  let waitingForDrain = false;
  let outputError: (Error & { code?: string }) | undefined;
  const flush = (): void => {
    scheduled = false;
    if (pending === '' || outputError) return;
    const chunk = pending;
    pending = '';
    if (!io.stdout.write(chunk) && !waitingForDrain) {
      waitingForDrain = true;
      rl.pause();
      io.stdout.once('drain', () => {
        waitingForDrain = false;
        rl.resume();
      });
    }
  };
  // The reader went away (EPIPE from `shoal wire | head`) or stdout broke: stop reading.
  const onOutputError = (error: Error): void => {
    outputError = error;
    rl.close();
  };
  io.stdout.on('error', onOutputError);
  rl.on('line', (line) => {
    if (outputError || BLANK.test(line)) return;
    pending += wireLine(line) + '\n';
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
  try {
    await once(rl, 'close');
    flush();
    // An output error rejects this wait; onOutputError has recorded it.
    if (waitingForDrain && !outputError) await once(io.stdout, 'drain').catch(() => undefined);
  } catch (error) {
    io.stderr.write(`shoal wire: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    io.stdout.off('error', onOutputError);
  }
  if (outputError && outputError.code !== 'EPIPE') {
    io.stderr.write(`shoal wire: cannot write output: ${outputError.message}\n`);
    return 1;
  }
  return 0;
}
