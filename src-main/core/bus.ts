// Fan-out of server events to every connected window (Electron) or socket (headless).
// Invalidations are coalesced per tick: a run that emits thousands of events a second must cost the
// UI one refetch per family per 50 ms, not one per event.
import type { QueryFamily, ServerEvent } from '../../src-shared/contract';

type Listener = (event: ServerEvent) => void;

export class EventBus {
  private listeners = new Set<Listener>();
  private pendingFamilies = new Set<QueryFamily>();
  private pendingEvents = new Map<string, Record<string, unknown>[]>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly flushMs = 50) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }

  invalidate(...families: QueryFamily[]): void {
    for (const f of families) this.pendingFamilies.add(f);
    this.schedule();
  }

  workerEvents(runId: string, events: Record<string, unknown>[]): void {
    if (this.listeners.size === 0) return;
    const list = this.pendingEvents.get(runId);
    if (list) list.push(...events);
    else this.pendingEvents.set(runId, [...events]);
    this.schedule();
  }

  /** Delivered at once: notifications are rare and a person is waiting for them. */
  notify(event: Extract<ServerEvent, { type: 'notify' }>): void {
    this.emit(event);
  }

  /** Delivered at once: a streamed reply is read as it is written. */
  frame(event: Extract<ServerEvent, { type: 'frame' }>): void {
    this.emit(event);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const [runId, events] of this.pendingEvents) this.emit({ type: 'worker_events', runId, events });
    this.pendingEvents.clear();
    if (this.pendingFamilies.size > 0) {
      const families = [...this.pendingFamilies];
      this.pendingFamilies.clear();
      this.emit({ type: 'invalidate', families });
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  private schedule(): void {
    if (this.timer || this.listeners.size === 0) {
      if (this.listeners.size === 0) {
        this.pendingFamilies.clear();
        this.pendingEvents.clear();
      }
      return;
    }
    this.timer = setTimeout(() => this.flush(), this.flushMs);
    this.timer.unref?.();
  }

  private emit(event: ServerEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken window must not stop the others from hearing about changes.
      }
    }
  }
}
