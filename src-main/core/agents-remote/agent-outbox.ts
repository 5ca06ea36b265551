// The agent's durable outbox (its own SQLite file): every write for the control plane is stored
// here before it is sent and deleted only once acknowledged, so a dropped connection, a control
// plane restart or an agent crash loses nothing; the sequence numbers never repeat (AUTOINCREMENT),
// which is what lets the control plane deduplicate a replay by (agent, sequence).
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { LeaseRef, WriteOp } from '../../../src-shared/protocol/worker-protocol';

export interface OutboxEntry { seq: number; lease: LeaseRef; op: WriteOp }

export class AgentOutbox {
  private readonly db: Database.Database;
  private readonly insert;
  private readonly after;
  private readonly del;

  constructor(dataDir: string) {
    // The file keeps the agent's credential (it must be usable, so it cannot be hashed): its own user
    // only. SQLite gives the -wal and -shm files the database file's permissions.
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, 'agent-outbox.db');
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    if (process.platform !== 'win32') {
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        const stat = fs.statSync(f, { throwIfNoEntry: false });
        if (stat && (stat.mode & 0o077) !== 0) fs.chmodSync(f, 0o600);
      }
    }
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS identity (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, lease TEXT NOT NULL, op TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS attempt_processes (token TEXT PRIMARY KEY, lease TEXT NOT NULL, host_ref TEXT NOT NULL);`);
    this.insert = this.db.prepare<[string, string]>('INSERT INTO outbox (lease, op) VALUES (?, ?)');
    this.after = this.db.prepare<[number], { seq: number; lease: string; op: string }>('SELECT seq, lease, op FROM outbox WHERE seq > ? ORDER BY seq');
    this.del = this.db.prepare<[number]>('DELETE FROM outbox WHERE seq = ?');
  }

  /** `tokenSha256`: the hash of the join token that earned the credential ('' when joined without
   *  one recorded; undefined for an identity saved before it was recorded). */
  identity(): { agentId: string; credential: string; url: string; tokenSha256?: string } | null {
    const rows = new Map(this.db.prepare<[], { key: string; value: string }>('SELECT key, value FROM identity').all().map((r) => [r.key, r.value]));
    const agentId = rows.get('agent_id');
    const credential = rows.get('credential');
    const tokenSha256 = rows.get('token_sha256');
    return agentId && credential ? { agentId, credential, url: rows.get('url') ?? '', ...(tokenSha256 !== undefined ? { tokenSha256 } : {}) } : null;
  }

  saveIdentity(agentId: string, credential: string, url: string, tokenSha256: string | null): void {
    const put = this.db.prepare<[string, string]>('INSERT OR REPLACE INTO identity (key, value) VALUES (?, ?)');
    this.db.transaction(() => {
      put.run('agent_id', agentId);
      put.run('credential', credential);
      put.run('url', url);
      put.run('token_sha256', tokenSha256 ?? '');
    })();
  }

  /** Stored durably before the caller sends it. Also returns the `write` frame for it, built from
   *  the JSON just stored: the common case sends it at once, without reading it back. */
  append(lease: LeaseRef, op: WriteOp): { seq: number; frame: string } {
    const leaseJson = JSON.stringify(lease);
    const opJson = JSON.stringify(op);
    const seq = Number(this.insert.run(leaseJson, opJson).lastInsertRowid);
    return { seq, frame: `{"type":"write","seq":${seq},"lease":${leaseJson},"op":${opJson}}` };
  }

  pendingAfter(seq: number): OutboxEntry[] {
    return this.after.all(seq).map((r) => ({ seq: r.seq, lease: JSON.parse(r.lease) as LeaseRef, op: JSON.parse(r.op) as WriteOp }));
  }

  /** Acknowledged (or refused for good): gone. */
  remove(seq: number): void {
    this.del.run(seq);
  }

  /** Everything up to what the control plane says it applied. */
  removeUpTo(seq: number): void {
    this.db.prepare('DELETE FROM outbox WHERE seq <= ?').run(seq);
  }

  /** Writes of a lease the control plane no longer honours: never sent again. */
  dropLease(lease: LeaseRef): void {
    this.db.prepare('DELETE FROM outbox WHERE lease = ?').run(JSON.stringify(lease));
  }

  /** The process an attempt started, kept until the attempt is over: an agent that was killed finds
   *  it on its next start and ends it (its process group is detached, so it outlives the agent). */
  keepProcess(lease: LeaseRef, hostRef: string): void {
    this.db.prepare<[string, string, string]>('INSERT OR REPLACE INTO attempt_processes (token, lease, host_ref) VALUES (?, ?, ?)').run(lease.token, JSON.stringify(lease), hostRef);
  }

  forgetProcess(lease: LeaseRef): void {
    this.db.prepare<[string]>('DELETE FROM attempt_processes WHERE token = ?').run(lease.token);
  }

  /** Processes of attempts a previous run of this agent did not see end. */
  leftProcesses(): Array<{ lease: LeaseRef; hostRef: string }> {
    return this.db.prepare<[], { lease: string; host_ref: string }>('SELECT lease, host_ref FROM attempt_processes').all()
      .map((r) => ({ lease: JSON.parse(r.lease) as LeaseRef, hostRef: r.host_ref }));
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
