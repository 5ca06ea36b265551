// Whether a daemon still answers while attempts wait on it. The wait for a container's end is one
// request whose answer rightly takes as long as the agent runs (hours), so its silence says
// nothing; a daemon that hangs (stopped, deadlocked) leaves it pending for ever with the connection
// open, which no 'close' reveals (container-wait.ts sees only a dropped one). So while any attempt
// waits, the driver pings its daemon every `everyMs`; a ping not answered within `deadlineMs` ends
// every wait with that error. One loop per daemon, not per attempt: a hundred containers cost one
// ping.

import { statusOf } from './docker-client';

type Silent = (cause: unknown) => void;

export class DaemonLiveness {
  private readonly watchers = new Set<Silent>();
  private timer: NodeJS.Timeout | null = null;
  private pinging = false;

  constructor(
    /** One ping, aborted by `signal`; rejects without `statusCode` when the daemon did not answer. */
    private readonly ping: (signal: AbortSignal) => Promise<unknown>,
    private readonly everyMs: number,
    private readonly deadlineMs: number,
  ) {}

  /** Calls `onSilent` once if the daemon stops answering before the returned function is called. */
  watch(onSilent: Silent): () => void {
    this.watchers.add(onSilent);
    this.schedule();
    return () => {
      this.watchers.delete(onSilent);
      if (this.watchers.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
    };
  }

  private schedule(): void {
    if (this.timer || this.pinging || this.watchers.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.check();
    }, this.everyMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    this.pinging = true;
    let silence: unknown = null;
    try {
      await this.ping(AbortSignal.timeout(this.deadlineMs));
    } catch (e) {
      // An HTTP error is an answer: the daemon is there.
      if (statusOf(e) === undefined) silence = e;
    }
    this.pinging = false;
    if (silence !== null) {
      const told = [...this.watchers];
      this.watchers.clear();
      for (const w of told) w(silence);
    }
    this.schedule();
  }
}
