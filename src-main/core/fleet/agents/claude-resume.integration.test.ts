// The real Claude Code CLI waiting on its permission prompt tool (mcp__shoal__approval_prompt) for a
// person, when the gateway connection carrying that wait is cut. Claude's MCP client does not ask
// again after a cut POST stream; it resumes one only if the stream gave it an event id, by a GET
// with Last-Event-ID. The gateway's stream for that call opens with an id, and the GET re-attaches
// to the same wait: the person's decision, made after the cut, reaches Claude and the task ends.
// Real HTTP on 127.0.0.1; the cut destroys the gateway's sockets server-side.
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { remoteHas, repoWithRemote } from '../../test-support/git-repo';
import type { ModelStep } from '../../test-support/model-server';
import { launch } from '../../test-support/temp-core';
import { agentTask, gatewayEvents, useAgentCli } from '../../test-support/agent-cli';
import { waitFor } from '../../test-support/wait-for';
import { RESUME_RETRY_MS } from '../../gateway/mcp-http';

const cli = useAgentCli();
const core = () => cli.core((m) => ({ ANTHROPIC_BASE_URL: m.origin, ANTHROPIC_API_KEY: 'sk-ant-shoal-test-key' }));
const exec = (command: string): ModelStep => ({ toolCalls: [{ name: 'Bash', input: { command, description: 'run it' } }] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Claude Code waiting for a person when its gateway connection is cut', () => {
  it('resumes the cut stream and gets the decision made after the cut: the push runs and the task passes', async () => {
    cli.model.setScript((r) => {
      if (r.toolResults.length === 0) return exec('echo more >> README.md && git add -A && git commit -qm "claude work" && git push -q origin HEAD:refs/heads/claude-cut');
      if (r.toolResults.length === 1 && !/Denied/.test(r.toolResults[0]!)) return exec('echo ok > pushed.txt');
      return { text: r.toolResults.length === 1 ? 'The push was refused.' : 'Pushed.' };
    });
    const c = core();
    const { repo, remote } = repoWithRemote();
    const policy = { rules: [{ id: 'ask-push', tool: 'exec_shell', prefix: 'git push', action: 'ask' }] };
    // Without a resume the attempt would hang until this timeout.
    const runId = launch(c, { id: 'claude-cut', name: 'claude cut', task_specs: [agentTask({ agent: 'claude-code' }, 'push', { metadata: { policy }, timeout_seconds: 60, scorer: { kind: 'file_exists', path: 'pushed.txt' } })] }, repo);
    const pending = await waitFor('the approval request', () => c.approvals.pending().find((a) => a.runId === runId), 60_000);
    await waitFor('the request in the timeline', () => gatewayEvents(c, runId).some((e) => e.call === pending.callId && e.kind === 'approval'));

    // Every connection to the gateway dropped (the prompt tool's stream among them), server-side.
    const sockets = (c.tools as unknown as { http: { sockets: Set<Socket> } }).http.sockets;
    expect(sockets.size).toBeGreaterThan(0);
    for (const s of sockets) s.destroy();
    // Claude comes back after the delay the stream asked for; the person decides after that.
    await sleep(RESUME_RETRY_MS + 2_000);
    expect(c.approvals.get(pending.id)!.status).toBe('pending');
    expect(c.approvals.decide(pending.id, 'approved', 'you').changed).toBe(true);

    await c.engine.waitForRun(runId);
    expect(c.runsView.tasks(runId)[0]!.state).toBe('passed');
    expect(remoteHas(remote, 'refs/heads/claude-cut')).toBe(true);
    // One request for the one call, asked through the prompt tool once and answered once.
    const judged = gatewayEvents(c, runId).filter((e) => e.call === pending.callId && e.kind).map((e) => `${e.kind}:${e.phase}`);
    expect(judged).toEqual(['tool:precheck', 'approval:requested', 'approval:approved', 'tool:dispatching']);
    expect(c.store.db.prepare('SELECT COUNT(*) AS n FROM approvals WHERE run_id = ?').get(runId)).toEqual({ n: 1 });
  }, 150_000);
});
