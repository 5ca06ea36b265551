// The real Claude Code CLI (@anthropic-ai/claude-code, a dev dependency) through Shoal, talking to
// the scripted model on 127.0.0.1 (Anthropic Messages API): every tool call — Bash, Write, and the
// `cat` Claude would never ask about — is judged by Shoal's policy through the gateway's PreToolUse
// hook; allow, deny, and ask with a person's approve or deny, against a local bare remote. An ask
// goes the way Claude asks: the hook answers "ask" and Claude's --permission-prompt-tool
// (mcp__shoal__approval_prompt) is what waits for the person.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initRepo, remoteHas, repoWithRemote } from '../../test-support/git-repo';
import { replay, type ModelStep } from '../../test-support/model-server';
import { eventsOf, launch } from '../../test-support/temp-core';
import { agentTask, gatewayEvents, useAgentCli } from '../../test-support/agent-cli';
import { TaskView } from '../../views/task-view';
import { gatherEvidence, renderEvidence } from '../../landing/receipt';
import { waitFor } from '../../test-support/wait-for';

const cli = useAgentCli();
const core = () => cli.core((m) => ({ ANTHROPIC_BASE_URL: m.origin, ANTHROPIC_API_KEY: 'sk-ant-shoal-test-key' }));

const exec = (command: string): ModelStep => ({ toolCalls: [{ name: 'Bash', input: { command, description: 'run it' } }] });
const write = (file: string, content: string): ModelStep => ({ toolCalls: [{ name: 'Write', input: { file_path: file, content } }] });

const claudeTask = (id: string, extra: Record<string, unknown> = {}) => agentTask({ agent: 'claude-code' }, id, extra);


describe('Claude Code under Shoal policy', () => {
  it('a model that refuses the key fails the task with Claude\'s own words, not only its exit code', async () => {
    cli.model.setScript(() => ({ error: { status: 401, type: 'authentication_error', message: 'invalid x-api-key' } }));
    const c = core();
    // Claude retries a refused key 10 times over about three minutes by default; once is enough here.
    const runId = launch(c, { id: 'claude-key', name: 'claude key', task_specs: [claudeTask('refused', { metadata: { env: { CLAUDE_CODE_MAX_RETRIES: '1' } } })] }, initRepo());
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    // While it retried, the task said why it was still waiting on the model.
    const retrying = eventsOf(c, runId).filter((e) => e.state === 'model_wait' && (e.extra as { phase?: string }).phase === 'retrying');
    expect(retrying.map((e) => e.extra)).toEqual([expect.objectContaining({ kind: 'model', phase: 'retrying', try: 1, of: 1, status: 401, error: 'authentication_failed' })]);
    const why = c.runsView.tasks(runId)[0]!.lastError!;
    expect(why).toMatch(/^agent exited with code \d+: \S/);
    expect(why).toContain('Invalid API key'); // Claude's words for a 401 (2.1: "Invalid API key · Fix external API key")
  });

  it('runs a shell command and a file edit, each judged by the policy; the patch holds both files', async () => {
    cli.model.setScript(replay([exec('echo hi > made.txt'), write('hello.txt', 'hello from claude\n'), { text: 'Made both files.' }]));
    const c = core();
    const repo = initRepo();
    const runId = launch(c, { id: 'claude-a', name: 'claude a', task_specs: [claudeTask('files', { scorer: { kind: 'file_exists', path: 'hello.txt' } })] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const task = c.runsView.tasks(runId)[0]!;
    expect(task.state).toBe('passed');

    const judged = gatewayEvents(c, runId);
    // The command: precheck (allowed) then dispatched by the agent itself; the file: the same, as write_file.
    expect(judged.filter((e) => e.kind === 'tool' && e.phase === 'precheck').map((e) => e.tool)).toEqual(['exec_shell', 'write_file']);
    const shell = judged.find((e) => e.tool === 'exec_shell' && e.phase === 'precheck') as unknown as { payload: { command: string; allow: boolean } };
    expect(shell.payload).toMatchObject({ command: 'echo hi > made.txt', allow: true });
    // Claude's own stream: each tool use is a running_tool event under its id.
    const uses = eventsOf(c, runId).filter((e) => e.state === 'running_tool' && !(e.extra as { kind?: string } | undefined)?.kind).map((e) => e.tool);
    expect(uses).toEqual(['Bash', 'Write']);
    const receipt = c.engine.fleet.receipts(runId)[0]!;
    const patch = (receipt.artifacts as Array<{ kind: string; path: string }>).find((a) => a.kind === 'patch')!;
    const text = fs.readFileSync(patch.path, 'utf8');
    expect(text).toContain('made.txt');
    expect(text).toContain('+hello from claude');
    expect(eventsOf(c, runId).find((e) => e.state === 'completed')).toMatchObject({ summary: 'Made both files.' });
    // Token usage and the cost Claude reports, as a metrics sample.
    const usage = eventsOf(c, runId).find((e) => (e.extra as { kind?: string } | undefined)?.kind === 'usage')!.extra as { usage: Record<string, number>; cost_usd: number };
    expect(usage.usage).toMatchObject({ input_tokens: 360, output_tokens: 126 });
    expect(usage.cost_usd).toBeGreaterThan(0);
    // …and on the attempt's receipt, which the task view reads.
    expect((receipt as { usage?: unknown }).usage).toEqual({ input_tokens: 360, cached_input_tokens: 0, output_tokens: 126, total_tokens: 486, cost_usd: usage.cost_usd });
    expect(new TaskView(c.store).get(runId, 'files')!.attempts[0]!.usage).toMatchObject({ total_tokens: 486, cost_usd: usage.cost_usd });
    expect(renderEvidence(gatherEvidence(c.store, runId, 'files')!)).toContain('Tokens: 360 in (0 cached), 126 out · cost $');
    // Claude got the key from the environment only.
    expect(cli.model.agentRequests().at(-1)!.apiKeyHeader).toBe('sk-ant-shoal-test-key');
  });

  it('a denied cat is refused: the model is told so and the secret never reaches it', async () => {
    cli.model.setScript(replay([exec('cat SECRET.txt'), { text: 'I could not read it.' }]));
    const c = core();
    const repo = initRepo({ 'README.md': 'hi\n', 'SECRET.txt': 'the-launch-code-1234\n' });
    const before = cli.model.requests.length;
    const policy = { rules: [{ id: 'no-cat', tool: 'exec_shell', prefix: 'cat', action: 'deny', note: 'Secrets live here.' }] };
    const runId = launch(c, { id: 'claude-c', name: 'claude c', task_specs: [claudeTask('cat', { metadata: { policy } })] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const seen = cli.model.requests.slice(before).map((r) => JSON.stringify(r.body)).join('\n');
    expect(seen).not.toContain('the-launch-code-1234');
    const last = cli.model.agentRequests().at(-1)!;
    expect(last.toolResults.join('\n')).toContain("Refused by Shoal's exec policy");
    expect(gatewayEvents(c, runId).some((e) => e.kind === 'approval' && e.phase === 'denied')).toBe(true);
  });

  it("a cd in one Bash call carries to the next: Claude's cat key after cd secrets is a read of secrets/key", async () => {
    cli.model.setScript(replay([exec('cd secrets'), exec('cat key'), { text: 'I could not read it.' }]));
    const c = core();
    const repo = initRepo({ 'README.md': 'hi\n', 'secrets/key': 'the-launch-code-9012\n' });
    const before = cli.model.requests.length;
    const policy = { rules: [{ id: 'no-secrets', tool: 'read_file', path: 'secrets/**', action: 'deny' }] };
    const runId = launch(c, { id: 'claude-cd', name: 'claude cd', task_specs: [claudeTask('cd', { metadata: { policy } })] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const seen = cli.model.requests.slice(before).map((r) => JSON.stringify(r.body)).join('\n');
    expect(seen).not.toContain('the-launch-code-9012');
    expect(gatewayEvents(c, runId).some((e) => e.kind === 'approval' && e.phase === 'denied')).toBe(true);
  });

  for (const decision of ['approved', 'denied'] as const) {
    it(`git push under an ask rule waits for a person: ${decision}`, async () => {
      // The model pushes; once the push went through it records that in a file the scorer checks.
      cli.model.setScript((r) => {
        if (r.toolResults.length === 0) return exec(`echo more >> README.md && git add -A && git commit -qm "claude work" && git push -q origin HEAD:refs/heads/claude-${decision}`);
        if (r.toolResults.length === 1 && !/Denied by/.test(r.toolResults[0]!)) return exec('echo ok > pushed.txt');
        return { text: r.toolResults.length === 1 ? 'The push was refused.' : 'Pushed.' };
      });
      const c = core();
      const { repo, remote } = repoWithRemote();
      const policy = { rules: [{ id: 'ask-push', tool: 'exec_shell', prefix: 'git push', action: 'ask', note: 'Pushes leave this computer.' }] };
      const runId = launch(c, { id: `claude-b-${decision}`, name: 'claude b', task_specs: [claudeTask('push', { metadata: { policy }, scorer: { kind: 'file_exists', path: 'pushed.txt' } })] }, repo);
      const pending = await waitFor('the approval request', () => c.approvals.pending().find((a) => a.runId === runId), 60_000);
      expect(pending.request.command).toContain(`&& git push -q origin HEAD:refs/heads/claude-${decision}`);
      expect(remoteHas(remote, `refs/heads/claude-${decision}`)).toBe(false);
      // The hook answered "ask" and Claude put the same call (its tool_use_id) to the permission
      // prompt tool, which is what waits: one precheck (the hook's), one request (the prompt tool's).
      expect(pending.callId).toMatch(/^toolu_/);
      const judgedOf = () => gatewayEvents(c, runId).filter((e) => e.call === pending.callId && e.kind);
      const judged = await waitFor('the request in the timeline', () => (judgedOf().length >= 2 ? judgedOf() : null));
      expect(judged.map((e) => `${e.kind}:${e.phase}`)).toEqual(['tool:precheck', 'approval:requested']);
      expect(judged[1]).toMatchObject({ asked_through: 'permission_prompt' });
      expect(c.approvals.decide(pending.id, decision, 'you').changed).toBe(true);
      await c.engine.waitForRun(runId);
      const task = c.runsView.tasks(runId)[0]!;
      if (decision === 'approved') {
        expect(remoteHas(remote, `refs/heads/claude-${decision}`)).toBe(true);
        expect(task.state).toBe('passed');
      } else {
        expect(remoteHas(remote, `refs/heads/claude-${decision}`)).toBe(false);
        expect(cli.model.agentRequests().at(-1)!.toolResults.join('\n')).toContain('Denied by you');
        expect(task.state).toBe('failed');
      }
    });
  }
});
