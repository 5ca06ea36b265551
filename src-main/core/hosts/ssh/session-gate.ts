// The session channels of one SSH connection, held to what the server allows. sshd caps the
// sessions (exec, shell, subsystem channels) of one connection at MaxSessions (10 by default) and
// refuses the next with a bare "open failed"; forwarded channels (tcpip, stream-local) are not
// sessions and do not count. A session refused while others of this connection hold the server's
// slots waits here for one of them to close, instead of failing (short commands first, then agents,
// each in the order they came); the limit is learned from that refusal, so later requests past it
// wait without asking the server.
// Under the limit a session is asked for at once: no extra round trip.
//
// Why short commands go first, and agents leave them a session once the limit is known: an agent
// holds its session for as long as it runs, and its own short commands (bringing its results back,
// ending it on cancel, sampling the host's load) need another. Were agents to take every session,
// a cancel would wait for some other agent to end, and an agent's results for the next agent's start.
// Where agents still hold every session (before a refusal has taught the limit, or under MaxSessions
// 1), the SSH connection runs those control commands over a second connection instead (see
// SshConnection): they ask here with `wait: false`, and a SessionsBusy answer sends them there.
//
// Why "held by tries sent before it" and not "held": sshd answers channel opens in the order they
// arrive, so when a refusal arrives every earlier try has had its answer, and those the server
// opened (the only ones still held) are exactly what it counted. Later tries were not counted yet.
//
// Why a refusal soon after a close is simply retried: sshd frees a closed session's slot only after
// it has handled every packet of the read that carried our CLOSE, so an open sent right after a close
// is often refused (11 of 20 back-to-back execs under MaxSessions 1 here). Any answer to a try sent
// after that close proves the slot is free by now, so such a refusal teaches nothing about the limit.

export interface SessionAttempt<T> {
  /** The server opened the session; `release` must already be wired to its channel's close. */
  opened(value: T): void;
  /** The server refused to open a session (a channel open failure). */
  refused(error: Error): void;
  /** Anything else (the command was refused, the connection dropped): final. */
  failed(error: Error): void;
  /** The session's channel closed: its slot is free once the server has read our CLOSE. */
  release(): void;
}

export interface SessionOptions {
  /** Gives up waiting for a free session (a session already asked for is not recalled). */
  signal?: AbortSignal;
  /** false: fail at once when every session the server allows is in use, instead of waiting. */
  wait?: boolean;
  /** The session lasts as long as an agent runs: short commands waiting go first, and once the
   *  limit is known one session (of two or more) is left to them. */
  long?: boolean;
}

type RequestState = 'queued' | 'trying' | 'done';

interface Request {
  readonly order: number;
  readonly wait: boolean;
  readonly long: boolean;
  state: RequestState;
  /** Its caller's cancel, which may come while a try is on the wire (then the try's answer decides). */
  readonly signal: AbortSignal | undefined;
  /** One try at opening the session, its answers routed through the gate. */
  attempt(a: SessionAttempt<unknown>): void;
  settle(outcome: { ok: true; value: unknown } | { ok: false; error: Error }): void;
}

/** A request given up by its caller before it had a session: nothing ran on the remote for it. */
export class SessionWaitCancelled extends Error {}

/** A request asked not to wait found every session in use: nothing ran on the remote for it, so
 *  the caller may run it elsewhere (a control command over a second connection). */
export class SessionsBusy extends Error {}

export class SessionGate {
  /** Orders tries and closes as they went on the wire. */
  private counter = 0;
  private nextOrder = 0;
  /** Tries in flight or opened and not closed, by their counter. */
  private readonly held = new Set<number>();
  /** Those of them asked for by long requests. */
  private readonly heldLong = new Set<number>();
  /** Counters of closes the server may not have freed yet (no answer to a later try seen). */
  private closesUnread: number[] = [];
  /** How many sessions the server allows at once, once a refusal has told. */
  private limit: number | null = null;
  /** Waiting requests, short before long, each oldest first (a refused try goes back to its place). */
  private queue: Request[] = [];
  private gone: Error | null = null;

  constructor(private readonly label: string) {}

  /** Requests waiting for a free session. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Opens a session through `attempt` now, or once one of this connection's sessions closes. */
  open<T>(attempt: (a: SessionAttempt<T>) => void, opts: SessionOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.gone) return reject(this.gone);
      const { signal } = opts;
      if (signal?.aborted) return reject(this.cancelled());
      const onAbort = (): void => {
        if (req.state !== 'queued') return;
        this.queue = this.queue.filter((r) => r !== req);
        req.settle({ ok: false, error: this.cancelled() });
      };
      const req: Request = {
        order: this.nextOrder++,
        wait: opts.wait !== false,
        long: opts.long === true,
        state: 'trying',
        signal,
        attempt: attempt as (a: SessionAttempt<unknown>) => void,
        settle: (outcome) => {
          if (req.state === 'done') return;
          req.state = 'done';
          signal?.removeEventListener('abort', onAbort);
          if (outcome.ok) resolve(outcome.value as T);
          else reject(outcome.error);
        },
      };
      // An abort while a try is on the wire is not lost: a refused try checks it before queueing again.
      signal?.addEventListener('abort', onAbort, { once: true });
      const waitsAhead = this.queue.some((r) => !r.long || req.long);
      if (!waitsAhead && this.hasRoom(req)) this.send(req);
      else if (req.wait) this.enqueue(req);
      else req.settle({ ok: false, error: this.busy() });
    });
  }

  /** The connection is gone: whoever waits fails now (tries in flight get their answer from ssh2). */
  connectionClosed(error: Error): void {
    this.gone = error;
    const waiting = this.queue;
    this.queue = [];
    for (const r of waiting) r.settle({ ok: false, error });
  }

  private hasRoom(req: Request): boolean {
    if (this.limit === null) return true;
    return this.held.size < this.limit && (!req.long || this.heldLong.size < Math.max(1, this.limit - 1));
  }

  private send(req: Request): void {
    req.state = 'trying';
    const seq = ++this.counter;
    const mayMeetUnfreedSlot = this.closesUnread.length > 0;
    this.held.add(seq);
    if (req.long) this.heldLong.add(seq);
    let answered = false;
    let released = false;
    const answer = (): boolean => {
      if (answered) return false;
      answered = true;
      this.closesUnread = this.closesUnread.filter((c) => c > seq);
      return true;
    };
    const release = (): void => {
      if (released) return;
      released = true;
      this.held.delete(seq);
      this.heldLong.delete(seq);
      this.closesUnread.push(++this.counter);
      this.pump();
    };
    req.attempt({
      opened: (value) => {
        if (answer()) req.settle({ ok: true, value });
      },
      failed: (error) => {
        if (!answer()) return;
        req.settle({ ok: false, error });
        release(); // a session opened for a command the server then refused is closing again
      },
      refused: (error) => {
        if (!answer()) return;
        released = true;
        this.held.delete(seq);
        this.heldLong.delete(seq);
        this.onRefused(req, seq, mayMeetUnfreedSlot, error);
      },
      release,
    });
  }

  private onRefused(req: Request, seq: number, mayMeetUnfreedSlot: boolean, error: Error): void {
    const before = [...this.held].filter((s) => s < seq).length;
    if (!mayMeetUnfreedSlot) {
      if (before === 0) {
        req.settle({ ok: false, error: new Error(`${this.label}: could not run a command: the server refused a session on this connection with no other session open on it (is sshd's MaxSessions 0 there?): ${error.message}`) });
        return;
      }
      this.limit = before;
    }
    if (req.signal?.aborted) {
      req.settle({ ok: false, error: this.cancelled() });
      this.pump();
      return;
    }
    if (!req.wait && !this.hasRoom(req)) {
      req.settle({ ok: false, error: this.busy() });
      return;
    }
    this.enqueue(req);
    this.pump();
  }

  /** Short requests before long ones, each oldest first. */
  private enqueue(req: Request): void {
    req.state = 'queued';
    const at = this.queue.findIndex((r) => (r.long && !req.long) || (r.long === req.long && r.order > req.order));
    if (at === -1) this.queue.push(req);
    else this.queue.splice(at, 0, req);
  }

  private pump(): void {
    // A head that cannot go holds back the rest: behind a short one nothing can go, behind a long
    // one only long ones wait.
    while (!this.gone && this.queue.length > 0 && this.hasRoom(this.queue[0]!)) this.send(this.queue.shift()!);
  }

  private busy(): Error {
    return new SessionsBusy(`${this.label}: could not run a command now: all ${this.limit} sessions the server allows on one connection are in use (sshd's MaxSessions)`);
  }

  private cancelled(): Error {
    return new SessionWaitCancelled(`${this.label}: could not run a command: cancelled while it waited for a free session`);
  }
}
