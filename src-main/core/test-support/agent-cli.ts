// What the tests of the real agent CLIs (Claude Code, Codex) share: a scripted model server for the
// file, a core whose agents find the CLIs in node_modules/.bin and a throwaway HOME, a task that runs
// one of those agents, and the gateway's judgements of its tool calls as plain records.
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ShoalCore } from '../shoal';
import { GIT_IDENTITY } from './git-repo';
import { startModelServer, type ModelServer } from './model-server';
import { eventsOf, tempDir } from './temp-core';
import { useCores } from './use-cores';

const BIN = path.resolve('node_modules/.bin');

export interface AgentCliFixture {
  readonly model: ModelServer;
  /** A core whose agents reach the scripted model through `env` (base URL and key variables). */
  core(env: (model: ModelServer) => Record<string, string>): ShoalCore;
}

export function useAgentCli(): AgentCliFixture {
  const makeCore = useCores();
  let model: ModelServer | undefined;
  beforeAll(async () => {
    model = await startModelServer();
  });
  afterAll(async () => {
    await model?.close();
  });
  const fixture: AgentCliFixture = {
    get model() {
      if (!model) throw new Error('the model server starts in beforeAll');
      return model;
    },
    core: (env) => makeCore({ env: { PATH: `${BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: tempDir('shoal-home-'), ...env(fixture.model) } }),
  };
  return fixture;
}

/** A one-attempt task run by `agent` (its metadata merged over the agent's). */
export function agentTask(agent: Record<string, unknown>, id: string, extra: Record<string, unknown> = {}) {
  return { id, name: id, instructions: `Do the ${id} work.`, retry_policy: { max_attempts: 1 }, ...extra, metadata: { ...agent, env: GIT_IDENTITY, ...((extra.metadata as object | undefined) ?? {}) } };
}

/** The gateway's lifecycle records of the run's tool calls (not the agent's own stream items). */
export function gatewayEvents(c: ShoalCore, runId: string) {
  return eventsOf(c, runId).filter((e) => e.state === 'running_tool' && (e.extra as { kind?: string } | undefined)?.kind !== 'agent')
    .map((e) => ({ tool: e.tool, call: e.call_id, ...(e.extra as { kind: string; phase: string }) }));
}
