// Test seam for the runtime (threads, jobs, providers, MCP): a real core on a real SQLite file, a
// real chat-completions server on 127.0.0.1 configured as its default provider, and the frames the
// core streams, collected as a window would receive them.
import path from 'node:path';
import type { EventFrame, ServerEvent } from '../../../src-shared/contract';
import { ShoalCore, type ShoalCoreOptions } from '../shoal';
import { startChatServer, type ChatServer } from './chat-server';
import { tempDir } from './temp-core';

export interface RuntimeHarness {
  core: ShoalCore;
  chat: ChatServer;
  providerId: string;
  /** Every frame pushed so far, with the thread it was for. */
  frames: Array<{ threadId?: string; frame: EventFrame }>;
  events: ServerEvent[];
  call<T = unknown>(method: string, input: unknown): Promise<T>;
  dispose(): Promise<void>;
}

export async function runtimeHarness(options: Partial<ShoalCoreOptions> & { apiKey?: string; start?: boolean } = {}, dir = tempDir()): Promise<RuntimeHarness> {
  const chat = await startChatServer(options.apiKey ? { apiKey: options.apiKey } : {});
  const core = new ShoalCore({
    dbPath: path.join(dir, 'shoal.db'), transport: 'headless', log: () => {},
    engine: { leaseMs: 5_000, heartbeatMs: 200, killGraceMs: 500, maxWorkers: 2 },
    runtime: { jobCheckIntervalMs: 0, mcpStartupTimeoutMs: 20_000 },
    ...options,
  });
  const frames: RuntimeHarness['frames'] = [];
  const events: ServerEvent[] = [];
  core.bus.subscribe((e) => {
    events.push(e);
    if (e.type === 'frame') frames.push({ ...(e.threadId ? { threadId: e.threadId } : {}), frame: e.frame });
  });
  // A harness opened again on the same store (a restart) adds a provider of its own, as before:
  // provider names are unique, so it is numbered.
  const taken = core.runtime.providers.list().length;
  const provider = core.runtime.providers.save({ name: taken === 0 ? 'Scripted' : `Scripted ${taken + 1}`, baseUrl: chat.baseUrl, model: 'scripted-model', ...(options.apiKey ? { apiKey: options.apiKey } : {}) });
  if (options.start) core.start();
  return {
    core, chat, providerId: provider.id, frames, events,
    async call<T>(method: string, input: unknown): Promise<T> {
      const envelope = await core.call(method, input, { transport: 'test' });
      if (!envelope.ok) throw Object.assign(new Error(envelope.error.message), { body: envelope.error });
      return envelope.value as T;
    },
    async dispose() {
      await core.shutdown();
      await chat.close();
    },
  };
}

/** Polls until `fn` returns something truthy (generous: the machine is shared). */
export async function until<T>(fn: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
