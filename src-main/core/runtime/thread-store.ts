// The threads, messages and checkpoints tables (the reference implementation's StateStore for threads). A thread's
// working directory has no column of its own: it is kept in the thread's "thread" checkpoint.
// Structured messages (history items, tool calls and results) hold their item as JSON text in
// `content`; the role says how to read it.
import type { Store } from '../store/open';

export const THREAD_SOURCES = ['interactive', 'resume', 'fork', 'api', 'unknown'] as const;
export type ThreadSource = (typeof THREAD_SOURCES)[number];
export const THREAD_STATUSES = ['running', 'idle', 'completed', 'failed', 'paused', 'archived'] as const;
export type ThreadStatus = (typeof THREAD_STATUSES)[number];
/** user / assistant carry text; history, tool_call, tool_event (a call's policy and approval
 *  lifecycle) and tool_result carry a JSON item; error carries text. */
export const MESSAGE_ROLES = ['user', 'assistant', 'history', 'tool_call', 'tool_event', 'tool_result', 'error'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];
const ITEM_ROLES: ReadonlySet<string> = new Set(['history', 'tool_call', 'tool_event', 'tool_result']);

export interface ThreadRecord {
  id: string;
  name: string | null;
  preview: string;
  source: ThreadSource;
  /** 'auto' uses the provider's configured model. */
  model: string;
  modelProvider: string;
  status: ThreadStatus;
  archived: boolean;
  forkedFrom: string | null;
  cwd: string;
  createdAt: string;
  updatedAt: string;
}

export interface MessageRecord {
  id: number;
  threadId: string;
  role: MessageRole;
  content: string;
  /** The parsed item of a structured message, else null. */
  item: Record<string, unknown> | null;
  createdAt: string;
}

export interface CheckpointRecord {
  checkpointId: string;
  reason: string;
  state: Record<string, unknown>;
  createdAt: string;
}

interface ThreadRow {
  id: string; name: string | null; preview: string; source: string; model: string; model_provider: string; status: string;
  archived: number; forked_from: string | null; created_at: string; updated_at: string;
}
interface MessageRow { id: number; thread_id: string; role: string; content: string; created_at: string }
interface CheckpointRow { name: string; reason: string; state: string; created_at: string }

export interface ThreadListFilters {
  includeArchived: boolean;
  limit: number;
  /** Matches the name or the preview, case-insensitively. */
  query?: string;
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export class ThreadStore {
  private readonly s;

  constructor(private readonly store: Store) {
    const db = store.db;
    const cols = 'id, name, preview, source, model, model_provider, status, archived, forked_from, created_at, updated_at';
    this.s = {
      get: db.prepare<[string], ThreadRow>(`SELECT ${cols} FROM threads WHERE id = ?`),
      upsert: db.prepare<[string, string | null, string, string, string, string, string, number, string | null, string, string]>(
        `INSERT INTO threads (${cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, preview = excluded.preview, source = excluded.source, model = excluded.model,
           model_provider = excluded.model_provider, status = excluded.status, archived = excluded.archived, forked_from = excluded.forked_from,
           updated_at = excluded.updated_at`),
      list: db.prepare<[number, number], ThreadRow>(`SELECT ${cols} FROM threads WHERE (? = 1 OR archived = 0) ORDER BY updated_at DESC, id LIMIT ?`),
      search: db.prepare<[number, string, string, number], ThreadRow>(
        `SELECT ${cols} FROM threads WHERE (? = 1 OR archived = 0) AND (LOWER(COALESCE(name, '')) LIKE ? ESCAPE '\\' OR LOWER(preview) LIKE ? ESCAPE '\\')
         ORDER BY updated_at DESC, id LIMIT ?`),
      setArchived: db.prepare<[number, string, string, string]>('UPDATE threads SET archived = ?, status = ?, updated_at = ? WHERE id = ?'),
      byStatus: db.prepare<[string], { id: string }>('SELECT id FROM threads WHERE status = ?'),
      append: db.prepare<[string, string, string, string]>('INSERT INTO messages (thread_id, role, content, created_at) VALUES (?, ?, ?, ?)'),
      messages: db.prepare<[string, number], MessageRow>(
        'SELECT * FROM (SELECT id, thread_id, role, content, created_at FROM messages WHERE thread_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id'),
      messagesUpTo: db.prepare<[string, number, number], MessageRow>(
        'SELECT * FROM (SELECT id, thread_id, role, content, created_at FROM messages WHERE thread_id = ? AND id <= ? ORDER BY id DESC LIMIT ?) ORDER BY id'),
      saveCheckpoint: db.prepare<[string, string, string, string, string]>(
        `INSERT INTO checkpoints (thread_id, name, reason, state, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(thread_id, name) DO UPDATE SET reason = excluded.reason, state = excluded.state, created_at = excluded.created_at`),
      loadCheckpoint: db.prepare<[string, string], CheckpointRow>('SELECT name, reason, state, created_at FROM checkpoints WHERE thread_id = ? AND name = ?'),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.store.db.transaction(fn)();
  }

  getThread(id: string): ThreadRecord | null {
    const row = this.s.get.get(id);
    return row ? this.toRecord(row) : null;
  }

  upsertThread(t: ThreadRecord): void {
    this.transaction(() => {
      this.s.upsert.run(t.id, t.name, t.preview, t.source, t.model, t.modelProvider, t.status, t.archived ? 1 : 0, t.forkedFrom, t.createdAt, t.updatedAt);
      const config = this.loadCheckpoint(t.id, 'thread');
      if (config?.state.cwd !== t.cwd) this.saveCheckpoint(t.id, 'thread', 'thread_config', { cwd: t.cwd });
    });
  }

  listThreads(filters: ThreadListFilters): ThreadRecord[] {
    const all = filters.includeArchived ? 1 : 0;
    const q = filters.query?.trim().toLowerCase();
    if (!q) return this.s.list.all(all, filters.limit).map((r) => this.toRecord(r));
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.s.search.all(all, like, like, filters.limit).map((r) => this.toRecord(r));
  }

  setArchived(id: string, archived: boolean, status: ThreadStatus, at: string): boolean {
    return this.s.setArchived.run(archived ? 1 : 0, status, at, id).changes > 0;
  }

  idsWithStatus(status: ThreadStatus): string[] {
    return this.s.byStatus.all(status).map((r) => r.id);
  }

  appendMessage(threadId: string, role: MessageRole, content: string, at: string = new Date().toISOString()): number {
    return Number(this.s.append.run(threadId, role, content, at).lastInsertRowid);
  }

  appendItem(threadId: string, role: 'history' | 'tool_call' | 'tool_event' | 'tool_result', item: Record<string, unknown>, at?: string): number {
    return this.appendMessage(threadId, role, JSON.stringify(item), at);
  }

  /** The latest `limit` messages, oldest first; with `upToId`, only messages written up to it. */
  listMessages(threadId: string, limit = 500, upToId?: number): MessageRecord[] {
    const rows = upToId === undefined ? this.s.messages.all(threadId, limit) : this.s.messagesUpTo.all(threadId, upToId, limit);
    return rows.map((r) => ({
      id: r.id, threadId: r.thread_id, role: r.role as MessageRole, content: r.content,
      item: ITEM_ROLES.has(r.role) ? parseObject(r.content) : null, createdAt: r.created_at,
    }));
  }

  saveCheckpoint(threadId: string, name: string, reason: string, state: Record<string, unknown>): void {
    this.s.saveCheckpoint.run(threadId, name, reason, JSON.stringify(state), new Date().toISOString());
  }

  loadCheckpoint(threadId: string, name = 'latest'): CheckpointRecord | null {
    const row = this.s.loadCheckpoint.get(threadId, name);
    if (!row) return null;
    return { checkpointId: row.name, reason: row.reason, state: parseObject(row.state) ?? {}, createdAt: row.created_at };
  }

  private toRecord(row: ThreadRow): ThreadRecord {
    const config = this.loadCheckpoint(row.id, 'thread');
    return {
      id: row.id, name: row.name, preview: row.preview,
      source: ((THREAD_SOURCES as readonly string[]).includes(row.source) ? row.source : 'unknown') as ThreadSource,
      model: row.model, modelProvider: row.model_provider,
      status: ((THREAD_STATUSES as readonly string[]).includes(row.status) ? row.status : 'idle') as ThreadStatus,
      archived: row.archived === 1, forkedFrom: row.forked_from,
      cwd: typeof config?.state.cwd === 'string' ? config.state.cwd : '',
      createdAt: row.created_at, updatedAt: row.updated_at,
    };
  }
}
