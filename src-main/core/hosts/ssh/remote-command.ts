// A command started over an SSH connection: its channel plus the exit status the server reported.
//
// Why the status is caught here and not by whoever awaits the command: ssh2 parses every packet of
// one socket read synchronously, and a short command's exec reply, output, exit-status, EOF and
// close often arrive in the same read (more often under load). ssh2 emits 'exit' right then, while a
// listener added after an `await` runs only in a later microtask — it missed the event, and the
// command read as "ended without an exit status" (exit null). The listener is attached in ssh2's
// exec callback itself, before any other packet of that read is handled. Output is buffered by
// the channel's streams, so only 'exit' needs this.
import type { ClientChannel } from 'ssh2';

export interface ExitStatus {
  code: number | null;
  /** "SIGTERM" and the like when a signal ended the command (code is then null). */
  signal: string | null;
}

export class RemoteCommand {
  private status: ExitStatus | null = null;
  private readonly waiting: Array<(status: ExitStatus) => void> = [];

  /** Must be called synchronously from ssh2's exec callback (see above). */
  constructor(readonly channel: ClientChannel) {
    channel.once('exit', (code: number | null, signal?: string) => {
      this.status = { code, signal: signal ?? null };
      for (const f of this.waiting.splice(0)) f(this.status);
    });
  }

  /** Calls `f` once the server reported the status (at once when it already has). The channel may
   *  stay open after that: a process the command left behind can still hold its output. */
  onExit(f: (status: ExitStatus) => void): void {
    if (this.status) f(this.status);
    else this.waiting.push(f);
  }

  /** What the server reported, or null while the command runs — and after a close without any
   *  report, which only a dropped connection causes (OpenSSH always reports a status or signal). */
  get exit(): ExitStatus | null {
    return this.status;
  }
}
