// Runs hooks off the engine's path: events are handed over after their transaction committed and
// each hook runs in the background with a timeout. A slow or failing hook is written to the hook log
// (<dataDir>/hooks.log) and never blocks or fails anything.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { SecretCipher } from '../../providers/secret-store';
import { postRequest } from '../senders/http-post';
import { signedRequest } from '../senders/webhook';
import { openValue, redact } from '../sealed-channel';
import { hookMatches, type HookConfig, type HookEventName } from './hook-config';

export interface HookEvent {
  id: string;
  type: HookEventName;
  at: string;
  data: Record<string, unknown>;
}

export interface HookResult { hook: string; ok: boolean; detail: string }

export class HookRunner {
  readonly logFile: string;
  private readonly inFlight = new Set<Promise<HookResult>>();

  constructor(private readonly o: { dataDir: string; cipher: SecretCipher; hooks: () => HookConfig[]; env: NodeJS.ProcessEnv }) {
    this.logFile = path.join(o.dataDir, 'hooks.log');
  }

  /** Fires every hook subscribed to the event; returns at once. */
  emit(type: HookEventName, data: Record<string, unknown>): void {
    const hooks = this.o.hooks().filter((h) => hookMatches(h, type));
    if (hooks.length === 0) return;
    const event: HookEvent = { id: `hk_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`, type, at: new Date().toISOString(), data };
    for (const h of hooks) this.track(this.run(h, event));
  }

  /** Runs one hook now and resolves with how it went (`shoal hooks test`). */
  runNow(hook: HookConfig, event: HookEvent): Promise<HookResult> {
    return this.track(this.run(hook, event));
  }

  /** Waits for the hooks under way (a shutting-down host gives them their timeout, no more). */
  async settle(): Promise<void> {
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
    this.log(`${new Date().toISOString()} ${hook.id} ${event.type} ${event.id} ${result.ok ? 'ok' : 'FAILED'} ${Date.now() - started}ms ${result.detail}`);
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
    return r.kind === 'delivered' ? { hook: hook.id, ok: true, detail: `HTTP ${r.status}` } : { hook: hook.id, ok: false, detail: r.error };
  }

  private log(line: string): void {
    try {
      fs.mkdirSync(path.dirname(this.logFile), { recursive: true });
      fs.appendFileSync(this.logFile, line + '\n');
    } catch { /* the log is best effort */ }
  }
}
