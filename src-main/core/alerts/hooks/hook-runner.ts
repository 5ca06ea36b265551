// Runs hooks off the engine's path: events are handed over after their transaction committed, and
// each hook works through its own queue in the background, one event at a time and in order, with a
// timeout per event. A hook that falls behind (a slow command under a thread's stream of deltas)
// never holds anything up: its queue is bounded, waiting deltas of one reply are merged into one, and
// what no longer fits is dropped, counted in the hook log (<dataDir>/hooks.log) with the failures.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { SecretCipher } from '../../providers/secret-store';
import { postRequest } from '../senders/http-post';
import { signedRequest } from '../senders/webhook';
import { hideSecrets } from '../../providers/hide-secrets';
import { openValue, redact, secretPieces } from '../sealed-channel';
import { hookMatches, type HookConfig, type HookEventName } from './hook-config';

export interface HookEvent {
  id: string;
  type: HookEventName;
  at: string;
  data: Record<string, unknown>;
}

export interface HookResult { hook: string; ok: boolean; detail: string }

/** Events waiting for one hook while it runs an earlier one. */
interface HookQueue {
  pending: Array<{ hook: HookConfig; event: HookEvent }>;
  busy: boolean;
  /** Since the last log line about this queue. */
  dropped: number;
  coalesced: number;
}

/** Events one hook may have waiting; enough for bursts of lifecycle events, small enough that a
 *  stuck hook costs little memory. */
const HOOK_QUEUE_LIMIT = 256;

export class HookRunner {
  readonly logFile: string;
  private readonly inFlight = new Set<Promise<HookResult>>();
  private readonly queues = new Map<string, HookQueue>();
  private readonly queueLimit: number;

  constructor(private readonly o: { dataDir: string; cipher: SecretCipher; hooks: () => HookConfig[]; env: NodeJS.ProcessEnv; queueLimit?: number }) {
    this.logFile = path.join(o.dataDir, 'hooks.log');
    this.queueLimit = o.queueLimit ?? HOOK_QUEUE_LIMIT;
  }

  /** Queues the event for every hook subscribed to it; returns at once. */
  emit(type: HookEventName, data: Record<string, unknown>): void {
    const hooks = this.o.hooks().filter((h) => hookMatches(h, type));
    if (hooks.length === 0) return;
    const event: HookEvent = { id: `hk_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`, type, at: new Date().toISOString(), data };
    for (const h of hooks) this.enqueue(h, event);
  }

  private enqueue(hook: HookConfig, event: HookEvent): void {
    let q = this.queues.get(hook.id);
    if (!q) {
      q = { pending: [], busy: false, dropped: 0, coalesced: 0 };
      this.queues.set(hook.id, q);
    }
    const last = q.pending.at(-1);
    if (last && isDelta(event) && isDelta(last.event) && last.event.data.response_id === event.data.response_id && last.event.data.channel === event.data.channel) {
      // The hook is behind: the reply's text still reaches it whole, in fewer runs.
      const merged = Number(last.event.data.coalesced ?? 1) + 1;
      last.event = { ...last.event, data: { ...last.event.data, delta: `${String(last.event.data.delta ?? '')}${String(event.data.delta ?? '')}`, coalesced: merged } };
      q.coalesced++;
    } else if (q.pending.length >= this.queueLimit) {
      // Full: a lifecycle event takes the place of the oldest waiting delta; otherwise the newcomer goes.
      const delta = isDelta(event) ? -1 : q.pending.findIndex((p) => isDelta(p.event));
      if (delta >= 0) {
        q.pending.splice(delta, 1);
        q.pending.push({ hook, event });
      }
      q.dropped++;
    } else {
      q.pending.push({ hook, event });
    }
    if (!q.busy) this.next(hook.id, q);
  }

  private next(id: string, q: HookQueue): void {
    const item = q.pending.shift();
    if (!item) {
      q.busy = false;
      this.queues.delete(id);
      return;
    }
    q.busy = true;
    void this.track(this.run(item.hook, item.event)).then(() => {
      this.reportLoss(id, q);
      this.next(id, q);
    });
  }

  private reportLoss(id: string, q: HookQueue): void {
    if (q.dropped === 0 && q.coalesced === 0) return;
    this.log(`${new Date().toISOString()} ${id} queue: ${q.dropped} ${q.dropped === 1 ? 'event' : 'events'} dropped, ${q.coalesced} response.delta merged while the hook was behind (at most ${this.queueLimit} wait)`);
    q.dropped = 0;
    q.coalesced = 0;
  }

  /** Events waiting (not yet running) for a hook; for tests and the log. */
  waiting(id: string): number {
    return this.queues.get(id)?.pending.length ?? 0;
  }

  /** Runs one hook now and resolves with how it went (`shoal hooks test`). */
  runNow(hook: HookConfig, event: HookEvent): Promise<HookResult> {
    return this.track(this.run(hook, event));
  }

  /** Lets the queues drain for as long as the slowest waiting hook's timeout, then drops what still
   *  waits (logged) and waits for the runs under way, which their own timeouts end. A shutting-down
   *  host is never held longer than that. */
  async settle(): Promise<void> {
    const waitingHooks = [...this.queues.values()].flatMap((q) => q.pending.map((p) => p.hook));
    const deadline = Date.now() + Math.max(1, ...waitingHooks.map((h) => h.timeout_seconds)) * 1000;
    while (this.queues.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, Math.max(1, deadline - Date.now())))]);
    }
    for (const [id, q] of this.queues) {
      q.dropped += q.pending.length;
      q.pending.length = 0;
      this.reportLoss(id, q);
    }
    await Promise.allSettled([...this.inFlight]);
  }

  private track(p: Promise<HookResult>): Promise<HookResult> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  private async run(hook: HookConfig, event: HookEvent): Promise<HookResult> {
    const started = Date.now();
    let result: HookResult;
    try {
      result = hook.kind === 'command' ? await this.runCommand(hook, event) : await this.runUrl(hook, event);
    } catch (error) {
      result = { hook: hook.id, ok: false, detail: redact((error as Error).message) };
    }
    // A reply streams hundreds of deltas: only the ones that failed are worth a line each.
    if (!result.ok || !isDelta(event)) this.log(`${new Date().toISOString()} ${hook.id} ${event.type} ${event.id} ${result.ok ? 'ok' : 'FAILED'} ${Date.now() - started}ms ${result.detail}`);
    return result;
  }

  private runCommand(hook: Extract<HookConfig, { kind: 'command' }>, event: HookEvent): Promise<HookResult> {
    return new Promise((resolve) => {
      const child = spawn('/bin/sh', ['-c', hook.command], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...this.o.env, SHOAL_HOOK_EVENT: event.type }, detached: true });
      let out = '';
      const keep = (d: Buffer) => {
        if (out.length < 4000) out += d.toString('utf8');
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.stdin.on('error', () => {}); // a hook that does not read its stdin
      child.stdin.end(JSON.stringify(event));
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        // Its whole process group: a shell's children go too.
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch { /* already gone */ }
      }, hook.timeout_seconds * 1000);
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve({ hook: hook.id, ok: false, detail: e.message });
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        const output = out.trim() ? ` output: ${out.trim().replace(/\n/g, '\\n')}` : '';
        if (timedOut) resolve({ hook: hook.id, ok: false, detail: `timed out after ${hook.timeout_seconds}s (killed)${output}` });
        else resolve({ hook: hook.id, ok: code === 0, detail: `exit ${code}${output}` });
      });
    });
  }

  private async runUrl(hook: Extract<HookConfig, { kind: 'url' }>, event: HookEvent): Promise<HookResult> {
    const url = openValue(this.o.cipher, hook.url);
    const secret = hook.secret ? openValue(this.o.cipher, hook.secret) : null;
    const r = await postRequest(signedRequest(url, secret, event.id, JSON.stringify(event)), hook.timeout_seconds * 1000);
    // The detail goes to hooks.log and back to the window: never the URL's path or the secret.
    return r.kind === 'delivered' ? { hook: hook.id, ok: true, detail: `HTTP ${r.status}` } : { hook: hook.id, ok: false, detail: hideSecrets(r.error, secretPieces({ url, secret })) };
  }

  private log(line: string): void {
    try {
      fs.mkdirSync(path.dirname(this.logFile), { recursive: true });
      fs.appendFileSync(this.logFile, line + '\n');
    } catch { /* the log is best effort */ }
  }
}

function isDelta(e: HookEvent): boolean {
  return e.type === 'response.delta';
}
