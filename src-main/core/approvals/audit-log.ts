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

export class AuditLog {
  private readonly insert;
  private readonly page;
  private readonly pageBefore;

  constructor(store: Store) {
    this.insert = store.db.prepare<[string, string, string, string | null, string | null]>(
      'INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)');
    this.page = store.db.prepare<[string, number], RawEntry>(
      `SELECT id, at, actor, action, subject, detail FROM audit_log WHERE action LIKE ? ORDER BY id DESC LIMIT ?`);
    this.pageBefore = store.db.prepare<[string, number, number], RawEntry>(
      `SELECT id, at, actor, action, subject, detail FROM audit_log WHERE action LIKE ? AND id < ? ORDER BY id DESC LIMIT ?`);
  }

  append(entry: { actor: string; action: string; subject: string | null; detail: unknown; at?: string }): void {
    this.insert.run(entry.at ?? new Date().toISOString(), entry.actor, entry.action, entry.subject, entry.detail === undefined ? null : JSON.stringify(entry.detail));
    // Told after the caller's turn (its transaction has committed by then): hooks on approvals.
    if (this.listeners.length > 0) setImmediate(() => {
      for (const l of this.listeners) l(entry);
    });
  }

  private readonly listeners: Array<(entry: { actor: string; action: string; subject: string | null; detail: unknown }) => void> = [];

  onAppend(listener: (entry: { actor: string; action: string; subject: string | null; detail: unknown }) => void): void {
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
