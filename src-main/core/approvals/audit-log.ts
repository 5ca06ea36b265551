// The audit log: who did what to which subject, when. Approvals (requested, decided, expired) and
// policy changes land here; the Approvals view and `shoal approvals --audit` read it newest first.
import type { Store } from '../store/open';

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  detail: Record<string, unknown> | null;
}

type AuditListenerEntry = { actor: string; action: string; subject: string | null; detail: unknown };

export class AuditLog {
  private readonly insert;
  private readonly page;
  private readonly pageBefore;

  constructor(private readonly store: Store) {
    this.insert = store.db.prepare<[string, string, string, string | null, string | null]>(
      'INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)');
    this.page = store.db.prepare<[string, number], RawEntry>(
      `SELECT id, at, actor, action, subject, detail FROM audit_log WHERE action LIKE ? ORDER BY id DESC LIMIT ?`);
    this.pageBefore = store.db.prepare<[string, number, number], RawEntry>(
      `SELECT id, at, actor, action, subject, detail FROM audit_log WHERE action LIKE ? AND id < ? ORDER BY id DESC LIMIT ?`);
  }

  /** Writes an entry. Inside `transaction` listeners hear of it once that commits; outside one it
   *  is its own commit and they hear of it after the caller's turn. */
  append(entry: { actor: string; action: string; subject: string | null; detail: unknown; at?: string }): void {
    this.insert.run(entry.at ?? new Date().toISOString(), entry.actor, entry.action, entry.subject, entry.detail === undefined ? null : JSON.stringify(entry.detail));
    if (this.listeners.length === 0) return;
    if (this.depth > 0) this.uncommitted.push(entry);
    else this.tell([entry]);
  }

  /** Runs fn in one IMMEDIATE transaction; its entries reach the listeners (hooks on approvals) only
   *  if it commits, so a rolled-back request or decision is never announced. */
  transaction<T>(fn: () => T): T {
    this.depth++;
    let result: T;
    try {
      result = this.store.db.transaction(fn).immediate();
    } catch (error) {
      if (this.depth === 1) this.uncommitted.length = 0;
      throw error;
    } finally {
      this.depth--;
    }
    if (this.depth === 0 && this.uncommitted.length > 0) this.tell(this.uncommitted.splice(0));
    return result;
  }

  private depth = 0;
  private readonly uncommitted: AuditListenerEntry[] = [];

  private tell(entries: AuditListenerEntry[]): void {
    setImmediate(() => {
      for (const e of entries) for (const l of this.listeners) l(e);
    });
  }

  private readonly listeners: Array<(entry: AuditListenerEntry) => void> = [];

  onAppend(listener: (entry: AuditListenerEntry) => void): void {
    this.listeners.push(listener);
  }

  /** Newest first; keyset-paginated by id. `prefix` narrows to one family (`approval.`, `policy.`). */
  list(opts: { limit: number; before?: number; prefix?: string }): AuditEntry[] {
    const like = `${opts.prefix ?? ''}%`;
    const rows = opts.before !== undefined ? this.pageBefore.all(like, opts.before, opts.limit) : this.page.all(like, opts.limit);
    return rows.map((r) => ({ ...r, detail: parseDetail(r.detail) }));
  }
}

interface RawEntry { id: number; at: string; actor: string; action: string; subject: string | null; detail: string | null }

function parseDetail(text: string | null): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return { text };
  }
}
