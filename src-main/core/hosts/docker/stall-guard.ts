// The deadline of a Docker request that moves data (an archive copy into or out of a container):
// it aborts once no byte has moved for `ms`, not after a total time. A total cap would have to be
// sized for the largest repository anyone copies, and would then be no help against a daemon that
// hangs on a small one; a stall is what a hung daemon looks like whatever the size, while a daemon
// that takes a large archive slowly but steadily is working. Movement is counted where this side
// sees it: the request body as the connection takes it (backpressure stops our reads when the
// daemon stops reading), the response body as it arrives, and the answer after the last byte went
// (the guard keeps running from the last movement until then).
import { Readable } from 'node:stream';

export class StallGuard {
  private readonly ctl = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(readonly ms: number) {
    // A TimeoutError like AbortSignal.timeout's: describeDockerError says "did not answer within".
    this.timer = setTimeout(() => this.ctl.abort(new DOMException(`no byte moved for ${ms} ms`, 'TimeoutError')), ms);
  }

  /** For dockerode's `abortSignal`: the request (and a streamed response) is destroyed on a stall. */
  get signal(): AbortSignal {
    return this.ctl.signal;
  }

  /** The abort reason once stalled, else null. A response stream torn down by the abort fails with
   *  a plain ECONNRESET: callers report this instead, which says what happened. */
  get stalled(): unknown {
    return this.ctl.signal.aborted ? this.ctl.signal.reason : null;
  }

  /** Bytes moved: the deadline starts again. */
  progress(): void {
    if (!this.ctl.signal.aborted) this.timer.refresh();
  }

  /** The request settled: no more deadline. */
  done(): void {
    clearTimeout(this.timer);
  }
}

/** `buf` as a request body read in chunks; each read means the connection took the chunk before. */
export function guardedBody(buf: Buffer, guard: StallGuard, chunkBytes = 64 * 1024): Readable {
  function* chunks(): Generator<Buffer> {
    for (let at = 0; at < buf.length; at += chunkBytes) {
      guard.progress();
      yield buf.subarray(at, at + chunkBytes);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
