// Thread lifecycle: spawn (new, forked or resumed history), resume,
// fork, list, read, set_name, archive / unarchive, and touch_message, which records a person's
// message, moves the preview and saves the "latest" checkpoint. Ids are `thread-<uuid>`.
import crypto from 'node:crypto';
import { previewFromInitialHistory, truncatePreview, type InitialHistory } from './preview';
import type { ThreadListFilters, ThreadRecord, ThreadSource, ThreadStore } from './thread-store';

export interface NewThread {
  thread: ThreadRecord;
  /** Resolved model identifier ('auto': the provider's configured model). */
  model: string;
  modelProvider: string;
  cwd: string;
  approvalPolicy: string | null;
  sandbox: string | null;
}

export interface ThreadResumeParams {
  threadId: string;
  history?: unknown[];
  model?: string;
  modelProvider?: string;
  cwd?: string;
  approvalPolicy?: string;
  sandbox?: string;
}

export interface ThreadForkParams {
  threadId: string;
  modelProvider?: string;
  cwd?: string;
}

export interface SpawnOptions {
  /** Overrides the source the history implies (a thread started through the API says so). */
  source?: ThreadSource;
  name?: string | null;
  model?: string;
}

const nowIso = () => new Date().toISOString();

export class ThreadManager {
  private readonly runningThreads = new Map<string, ThreadRecord>();

  constructor(private readonly store: ThreadStore) {}

  stateStore(): ThreadStore {
    return this.store;
  }

  /** Spawns a new thread with the given initial history and persists it (and its history). */
  spawnThreadWithHistory(modelProvider: string, cwd: string, initialHistory: InitialHistory, options: SpawnOptions = {}): NewThread {
    const now = nowIso();
    const implied: ThreadSource = initialHistory.kind === 'new' ? 'interactive' : initialHistory.kind === 'forked' ? 'fork' : 'resume';
    const items = initialHistory.kind === 'forked' ? initialHistory.items : initialHistory.kind === 'resumed' ? initialHistory.history : [];
    const forkedFrom = initialHistory.kind === 'forked' ? forkParent(items) : null;
    const thread: ThreadRecord = {
      id: `thread-${crypto.randomUUID()}`,
      name: options.name ?? null,
      preview: previewFromInitialHistory(initialHistory),
      source: options.source ?? implied,
      model: options.model ?? 'auto',
      modelProvider,
      // Idle until a message starts a turn: "running" means a reply is being written.
      status: 'idle',
      archived: false,
      forkedFrom,
      cwd,
      createdAt: now,
      updatedAt: now,
    };
    this.store.transaction(() => {
      this.store.upsertThread(thread);
      for (const item of items) this.appendHistory(thread.id, item);
    });
    this.runningThreads.set(thread.id, thread);
    return { thread, model: thread.model, modelProvider, cwd, approvalPolicy: null, sandbox: null };
  }

  /** Resumes an existing thread; null when there is no such thread. A folder, model or provider
   *  given here is the thread's from now on (its turns read them from the store), so the answer and
   *  the next reply agree. */
  resumeThreadWithHistory(params: ThreadResumeParams, modelProvider: string): NewThread | null {
    const loaded = params.history === undefined ? this.runningThreads.get(params.threadId) : undefined;
    // The stored record, not the loaded copy: the folder (and name) may have been set since it loaded.
    const current = loaded ? this.store.getThread(loaded.id) : this.store.getThread(params.threadId);
    if (!current) return null;
    const given: Partial<ThreadRecord> = {
      ...(params.cwd !== undefined ? { cwd: params.cwd } : {}),
      ...(params.model !== undefined ? { model: params.model } : {}),
      ...(params.modelProvider !== undefined ? { modelProvider: params.modelProvider } : {}),
    };
    const changed = current.archived || (Object.keys(given) as Array<keyof ThreadRecord>).some((k) => given[k] !== current[k]);
    const history = params.history ?? [];
    // Resuming loads the conversation to carry on; it starts no turn, so the thread is not "running"
    // (that status means a reply is being written, and a restart would take it for one cut short).
    // One read from the store is touched (it moves up the list), as is one that changes.
    const thread: ThreadRecord = changed || !loaded ? { ...current, ...given, ...restored(current), updatedAt: nowIso() } : current;
    if (thread !== current) {
      this.store.transaction(() => {
        this.store.upsertThread(thread);
        for (const item of history) this.appendHistory(thread.id, item);
      });
    }
    this.runningThreads.set(thread.id, thread);
    return {
      thread, model: thread.model, modelProvider: thread.modelProvider || modelProvider,
      cwd: thread.cwd, approvalPolicy: params.approvalPolicy ?? null, sandbox: params.sandbox ?? null,
    };
  }

  /** Forks a thread into a new one that inherits the parent's provider; null when there is no parent. */
  forkThread(params: ThreadForkParams, fallbackCwd: string): NewThread | null {
    const parent = this.store.getThread(params.threadId);
    if (!parent) return null;
    return this.spawnThreadWithHistory(params.modelProvider ?? parent.modelProvider, params.cwd ?? (parent.cwd || fallbackCwd),
      { kind: 'forked', items: [{ type: 'fork', from_thread_id: parent.id }] }, { model: parent.model });
  }

  listThreads(filters: ThreadListFilters): ThreadRecord[] {
    return this.store.listThreads(filters);
  }

  readThread(threadId: string): ThreadRecord | null {
    return this.store.getThread(threadId);
  }

  /** Names a thread; returns it, or null when there is no such thread. */
  setThreadName(threadId: string, name: string): ThreadRecord | null {
    const current = this.store.getThread(threadId);
    if (!current) return null;
    const updated = { ...current, name, updatedAt: nowIso() };
    this.store.upsertThread(updated);
    this.runningThreads.set(updated.id, updated);
    return updated;
  }

  /** Archives a thread so it no longer appears in default listings. */
  archiveThread(threadId: string): boolean {
    const ok = this.store.setArchived(threadId, true, 'archived', nowIso());
    const loaded = this.runningThreads.get(threadId);
    if (loaded) this.runningThreads.set(threadId, { ...loaded, status: 'archived', archived: true });
    return ok;
  }

  /** Restores an archived thread to the default listings. */
  unarchiveThread(threadId: string): boolean {
    const ok = this.store.setArchived(threadId, false, 'idle', nowIso());
    this.runningThreads.delete(threadId);
    return ok;
  }

  /** Records a person's message: the preview and timestamp move, the thread is running, and the
   *  "latest" checkpoint points at the message. Returns the message id, or null for no such thread. */
  touchMessage(threadId: string, input: string): number | null {
    const current = this.store.getThread(threadId);
    if (!current) return null;
    const updated: ThreadRecord = { ...current, updatedAt: nowIso(), preview: truncatePreview(input), status: 'running' };
    return this.store.transaction(() => {
      this.store.upsertThread(updated);
      this.runningThreads.set(threadId, updated);
      const messageId = this.store.appendMessage(threadId, 'user', input);
      this.store.saveCheckpoint(threadId, 'latest', 'thread_message', {
        reason: 'thread_message', message_id: messageId, role: 'user', preview: truncatePreview(input), updated_at: updated.updatedAt,
      });
      return messageId;
    });
  }

  /** Sets the status (and timestamp) after a turn. */
  setStatus(threadId: string, status: ThreadRecord['status']): void {
    const current = this.store.getThread(threadId);
    if (!current || current.archived) return;
    const updated = { ...current, status, updatedAt: nowIso() };
    this.store.upsertThread(updated);
    this.runningThreads.set(threadId, updated);
  }

  private appendHistory(threadId: string, item: unknown): void {
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) this.store.appendItem(threadId, 'history', item as Record<string, unknown>);
    else this.store.appendItem(threadId, 'history', { type: 'value', value: item });
  }
}

/** Resuming an archived thread brings it back to the listings, idle, as unarchiving does: a thread
 *  left archived could not be written to, and the person asked to carry it on. */
function restored(t: ThreadRecord): Partial<ThreadRecord> {
  return t.archived ? { archived: false, status: 'idle' } : {};
}

function forkParent(items: unknown[]): string | null {
  const first = items[0] as { type?: unknown; from_thread_id?: unknown } | undefined;
  return first?.type === 'fork' && typeof first.from_thread_id === 'string' ? first.from_thread_id : null;
}
