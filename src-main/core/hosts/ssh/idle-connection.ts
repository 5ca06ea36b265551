// A connection made only when something needs it and closed once nothing has used it for a while:
// the SSH control connection (see SshConnection), which most hosts never need, and which should not
// hold a login on the server for as long as the main connection lives.

export interface Closable {
  close(): void;
}

export class IdleConnection<C extends Closable> {
  private conn: C | null = null;
  private users = 0;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly make: () => C, private readonly idleMs: number) {}

  /** Made and not closed yet. */
  get open(): boolean {
    return this.conn !== null;
  }

  /** Runs `fn` on the connection (made now when there is none); the idle clock starts when the last
   *  user is done. */
  async use<T>(fn: (conn: C) => Promise<T>): Promise<T> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.conn ??= this.make();
    this.users++;
    try {
      return await fn(this.conn);
    } finally {
      if (--this.users === 0) {
        this.idleTimer = setTimeout(() => this.close(), this.idleMs);
        this.idleTimer.unref(); // an idle connection never keeps the process alive
      }
    }
  }

  /** Closes it now (whoever still uses it fails as on a dropped connection); the next use makes it anew. */
  close(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const c = this.conn;
    this.conn = null;
    c?.close();
  }
}
