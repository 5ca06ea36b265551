// The attempt supervisor records an attempt through AttemptStoreOps. On a remote agent the same
// supervisor and local host driver run unchanged against these ops: each record becomes a durable
// outbox write for the control plane, and once the control plane says the lease is lost every
// further write throws LeaseLostError, which is how the supervisor learns to stop its agent.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FleetTaskSpec } from '../../../src-shared/protocol/fleet';
import {
  MAX_CHUNKED_FILE_BYTES, MAX_WORKER_FRAME_BYTES, UPLOAD_CHUNK_BYTES, type InlineFile, type LeaseRef, type WriteOp,
} from '../../../src-shared/protocol/worker-protocol';
import type { EventPayload } from '../fleet/event-log';
import type { AttemptOutcome } from '../fleet/fleet-store';
import type { AttemptStoreOps } from '../hosts/attempt-supervisor';
import type { HostRef } from '../hosts/host-ref';
import { LeaseLostError, type Lease } from '../fleet/lease';

/** Files above this ride no frame (base64 grows them by a third, and the frame has its envelope). */
const MAX_INLINE_FILE_BYTES = Math.floor(MAX_WORKER_FRAME_BYTES * 0.7);

export function inlineFile(file: string, name = path.basename(file)): InlineFile | null {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat || !stat.isFile() || stat.size > MAX_INLINE_FILE_BYTES) return null;
  const data = fs.readFileSync(file);
  return { name, sha256: crypto.createHash('sha256').update(data).digest('hex'), data_b64: data.toString('base64') };
}

/** A file too large for one frame, as `chunk` writes of UPLOAD_CHUNK_BYTES each (in order). */
export function chunkOps(name: string, data: Buffer): Array<Extract<WriteOp, { kind: 'chunk' }>> {
  const sha256 = crypto.createHash('sha256').update(data).digest('hex');
  const ops: Array<Extract<WriteOp, { kind: 'chunk' }>> = [];
  for (let offset = 0; offset < data.length; offset += UPLOAD_CHUNK_BYTES) {
    const piece = data.subarray(offset, offset + UPLOAD_CHUNK_BYTES);
    ops.push({
      kind: 'chunk', name, sha256, size: data.length, offset, last: offset + piece.length >= data.length,
      chunk_sha256: crypto.createHash('sha256').update(piece).digest('hex'), data_b64: piece.toString('base64'),
    });
  }
  return ops;
}

export class RemoteAttemptFleet implements AttemptStoreOps {
  lost: string | null = null;
  /** The attempt's worktree once it has one (its partial work is snapshotted from there). */
  workdir: string | null = null;
  /** The outcome is on its way: no more snapshots of partial work. */
  completed = false;

  constructor(
    private readonly ref: LeaseRef,
    private readonly spec: FleetTaskSpec,
    private readonly write: (lease: LeaseRef, op: WriteOp) => void,
    private readonly sendRenew: (lease: LeaseRef) => void,
    private readonly log: (message: string) => void,
    /** Sends the outcome with the result branch (committed by now) through the outbox. */
    private readonly finish: (outcome: AttemptOutcome) => Promise<void>,
    /** The attempt's process exists (kept durably, so a restarted agent can end it). */
    private readonly started: (ref: HostRef) => void = () => undefined,
  ) {}

  private check(lease: Lease): void {
    if (this.lost) throw new LeaseLostError(lease);
  }

  taskSpec(): FleetTaskSpec {
    return this.spec;
  }

  markStarting(lease: Lease, workdir: string | null, branch: string | null): void {
    this.check(lease);
    this.workdir = workdir;
    this.write(this.ref, { kind: 'starting', workdir, branch });
  }

  markRunningOn(lease: Lease, ref: HostRef): void {
    this.started(ref);
    this.check(lease);
    this.write(this.ref, { kind: 'running', pid: ref.kind === 'local' ? ref.pid : null });
  }

  progress(lease: Lease, payloads: EventPayload[]): void {
    this.check(lease);
    if (payloads.length === 0) return;
    const files: InlineFile[] = [];
    // The inline files share one frame: those that would take it past the limit together (the log
    // and the patch of a chatty attempt) go in pieces ahead of it, like one too large on its own.
    // Otherwise the frame could never be sent, and it would hold up every later write for good.
    let inlineBytes = 0;
    for (const p of payloads) {
      if (p.state !== 'artifact' || typeof p.path !== 'string') continue;
      const f = inlineFile(p.path);
      if (f && inlineBytes + f.data_b64.length <= MAX_INLINE_FILE_BYTES * 4 / 3) {
        inlineBytes += f.data_b64.length;
        files.push(f);
      } else if (!this.sendInChunks(p.path)) this.log(`artifact ${p.path} is over ${MAX_CHUNKED_FILE_BYTES} bytes; only its description is sent`);
    }
    this.write(this.ref, { kind: 'events', events: payloads, ...(files.length > 0 ? { files } : {}) });
  }

  /** A file too large for one frame goes ahead of the event naming it, piece by piece, each piece a
   *  durable outbox write of its own. */
  private sendInChunks(file: string): boolean {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat || !stat.isFile() || stat.size > MAX_CHUNKED_FILE_BYTES) return false;
    for (const op of chunkOps(path.basename(file), fs.readFileSync(file))) this.write(this.ref, op);
    return true;
  }

  /** Renewals are not durable: a renewal that cannot be sent is exactly what lets the lease lapse. */
  renew(lease: Lease, nowMs: number, leaseMs: number): void {
    this.check(lease);
    lease.deadline = nowMs + leaseMs;
    this.sendRenew(this.ref);
  }

  /** Durable once in the outbox; the control plane's answer (ack or lease lost) comes later. */
  async complete(lease: Lease, outcome: AttemptOutcome): Promise<void> {
    this.check(lease);
    this.completed = true;
    await this.finish(outcome);
  }
}
