// The real Codex CLI (@openai/codex, a dev dependency) through Shoal: `codex app-server` driven by
// the bridge, talking to the scripted model on 127.0.0.1 (OpenAI Responses API), every command and
// file change judged by Shoal's policy through the attempt's gateway — allow, deny, and ask with a
// person's approve or deny, against a local bare remote.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initRepo, remoteHas, repoWithRemote } from '../../test-support/git-repo';
import { replay, type ModelStep } from '../../test-support/model-server';
import { eventsOf, launch } from '../../test-support/temp-core';
import { agentTask, gatewayEvents, useAgentCli } from '../../test-support/agent-cli';
import { TaskView } from '../../views/task-view';
import { waitFor } from '../../test-support/wait-for';

const cli = useAgentCli();
const core = () => cli.core((m) => ({ OPENAI_BASE_URL: m.openaiBaseUrl, OPENAI_API_KEY: 'sk-shoal-test-key' }));

const exec = (cmd: string): ModelStep => ({ toolCalls: [{ name: 'exec_command', input: { cmd } }] });
const patchAdd = (file: string, line: string): ModelStep => exec(`apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: ${file}\n+${line}\n*** End Patch\nEOF\n`);

const codexTask = (id: string, extra: Record<string, unknown> = {}) => agentTask({ agent: 'codex', model: 'scripted-model' }, id, extra);


describe('Codex under Shoal policy', () => {
  it('a model that refuses the key fails the task with Codex\'s own words, not only its exit code', async () => {
    cli.model.setScript(() => ({ error: { status: 401, type: 'invalid_api_key', message: 'Incorrect API key provided' } }));
    const c = core();
    const runId = launch(c, { id: 'codex-key', name: 'codex key', task_specs: [codexTask('refused')] }, initRepo());
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    const why = c.runsView.tasks(runId)[0]!.lastError!;
    expect(why).toMatch(/^agent exited with code \d+: the turn failed: unexpected status 401 Unauthorized: Incorrect API key provided/);
    // Codex reconnected a few times first, and the task said so while it waited.
    const retrying = eventsOf(c, runId).filter((e) => e.state === 'model_wait' && (e.extra as { phase?: string }).phase === 'retrying');
    expect(retrying.length).toBeGreaterThan(0);
    expect(retrying[0]!.extra).toMatchObject({ kind: 'model', phase: 'retrying', message: expect.stringMatching(/^Reconnecting\.\.\. 1\/\d+$/), status: 401, error: expect.stringContaining('Incorrect API key provided') });
  });

  it('runs a shell command and a file edit, each judged by the policy; the patch holds both files', async () => {
    cli.model.setScript(replay([exec('echo hi > made.txt'), patchAdd('hello.txt', 'hello from codex'), { text: 'Made both files.' }]));
    const c = core();
    const repo = initRepo();
    const runId = launch(c, { id: 'codex-a', name: 'codex a', task_specs: [codexTask('files', { scorer: { kind: 'file_exists', path: 'hello.txt' } })] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const task = c.runsView.tasks(runId)[0]!;
    expect(task.state).toBe('passed');

    const judged = gatewayEvents(c, runId);
    // The command: precheck (allowed) then dispatched by the agent itself; the file: the same, as write_file.
    expect(judged.filter((e) => e.kind === 'tool' && e.phase === 'precheck').map((e) => e.tool)).toEqual(['exec_shell', 'write_file']);
    const shell = judged.find((e) => e.tool === 'exec_shell' && e.phase === 'precheck') as unknown as { payload: { command: string; allow: boolean } };
    expect(shell.payload).toMatchObject({ command: 'echo hi > made.txt', allow: true });
    // Codex's own items land in the timeline with what they did.
    const agentItems = eventsOf(c, runId).filter((e) => (e.extra as { kind?: string } | undefined)?.kind === 'agent');
    expect(agentItems.map((e) => `${e.tool}:${(e.extra as { phase: string }).phase}`)).toEqual(['exec_shell:started', 'exec_shell:completed', 'apply_patch:started', 'apply_patch:completed']);
    expect(agentItems[1]!.extra).toMatchObject({ payload: { status: 'completed', exit_code: 0 } });

    const receipt = c.engine.fleet.receipts(runId)[0]!;
    const patch = (receipt.artifacts as Array<{ kind: string; path: string }>).find((a) => a.kind === 'patch')!;
    const text = fs.readFileSync(patch.path, 'utf8');
    expect(text).toContain('made.txt');
    expect(text).toContain('+hello from codex');
    expect(eventsOf(c, runId).find((e) => e.state === 'completed')).toMatchObject({ summary: 'Made both files.' });
    // Token usage of the whole turn (three model calls of 120 in + 42 out), as a metrics sample.
    expect(eventsOf(c, runId).find((e) => (e.extra as { kind?: string } | undefined)?.kind === 'usage')!.extra)
      .toMatchObject({ usage: { input_tokens: 360, output_tokens: 126, total_tokens: 486 } });
    // …and on the attempt's receipt (Codex reports no cost), which the task view reads.
    expect((receipt as { usage?: unknown }).usage).toEqual({ input_tokens: 360, cached_input_tokens: 0, output_tokens: 126, total_tokens: 486, cost_usd: null });
    expect(new TaskView(c.store).get(runId, 'files')!.attempts[0]!.usage).toMatchObject({ total_tokens: 486, cost_usd: null });
    // The fake model saw the command's output; Codex got the key from the environment only.
    expect(cli.model.agentRequests().at(-1)!.authorization).toBe('Bearer sk-shoal-test-key');
  });

  it('a denied cat is refused: the model is told so and the secret never reaches it', async () => {
    cli.model.setScript(replay([exec('cat SECRET.txt'), { text: 'I could not read it.' }]));
    const c = core();
    const repo = initRepo({ 'README.md': 'hi\n', 'SECRET.txt': 'the-launch-code-1234\n' });
    const before = cli.model.requests.length;
    const policy = { rules: [{ id: 'no-cat', tool: 'exec_shell', prefix: 'cat', action: 'deny', note: 'Secrets live here.' }] };
    const runId = launch(c, { id: 'codex-c', name: 'codex c', task_specs: [codexTask('cat', { metadata: { policy } })] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const seen = cli.model.requests.slice(before).map((r) => JSON.stringify(r.body)).join('\n');
    expect(seen).not.toContain('the-launch-code-1234');
    const last = cli.model.agentRequests().at(-1)!;
    expect(last.toolResults.join('\n')).toMatch(/rejected/i);
    // Codex's decline carries no reason; Shoal's follows into the turn, so the model reads it.
    expect(JSON.stringify(last.body)).toContain("Shoal declined the command `cat SECRET.txt`: Refused by Shoal's exec policy");
    expect(gatewayEvents(c, runId).some((e) => e.kind === 'approval' && e.phase === 'denied')).toBe(true);
  });

  it('a command Codex runs in a subfolder is judged there: cat key with workdir secrets is a read of secrets/key', async () => {
    cli.model.setScript(replay([{ toolCalls: [{ name: 'exec_command', input: { cmd: 'cat key', workdir: 'secrets' } }] }, { text: 'I could not read it.' }]));
    const c = core();
    const repo = initRepo({ 'README.md': 'hi\n', 'secrets/key': 'the-launch-code-5678\n' });
    const before = cli.model.requests.length;
    const policy = { rules: [{ id: 'no-secrets', tool: 'read_file', path: 'secrets/**', action: 'deny' }] };
    const runId = launch(c, { id: 'codex-wd', name: 'codex wd', task_specs: [codexTask('wd', { metadata: { policy } })] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const seen = cli.model.requests.slice(before).map((r) => JSON.stringify(r.body)).join('\n');
    expect(seen).not.toContain('the-launch-code-5678');
    expect(JSON.stringify(cli.model.agentRequests().at(-1)!.body)).toContain('Shoal declined the command `cat key`');
    // The person sees where it would have run.
    expect(gatewayEvents(c, runId).some((e) => e.kind === 'tool' && e.phase === 'precheck' && JSON.stringify(e).includes('/secrets"'))).toBe(true);
    expect(gatewayEvents(c, runId).some((e) => e.kind === 'approval' && e.phase === 'denied')).toBe(true);
  });

  it("calls a tool of Shoal's MCP server: judged by the policy, run by the gateway, in the timeline", async () => {
    let offered: string[] = [];
    cli.model.setScript((r) => {
      offered = r.tools;
      if (r.toolResults.length === 0 && r.tools.includes('mcp__shoal')) return { toolCalls: [{ name: 'exec_shell', namespace: 'mcp__shoal', input: { command: 'echo via-mcp > mcp.txt' } }] };
      return { text: r.toolResults.length > 0 ? 'Wrote it through Shoal.' : 'No Shoal tool offered.' };
    });
    const c = core();
    const repo = initRepo();
    const runId = launch(c, { id: 'codex-mcp', name: 'codex mcp', task_specs: [codexTask('mcp', { scorer: { kind: 'file_exists', path: 'mcp.txt' } })] }, repo);
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    // Codex offers an MCP server's tools as one Responses namespace, mcp__<server>.
    expect(offered).toContain('mcp__shoal');
    expect(c.runsView.tasks(runId)[0]!.state).toBe('passed');
    // The gateway judged the call and ran it itself (precheck, dispatching, completed)…
    const judged = gatewayEvents(c, runId).filter((e) => e.kind === 'tool' && e.tool === 'exec_shell').map((e) => e.phase);
    expect(judged).toEqual(['precheck', 'dispatching', 'completed']);
    // …and Codex's own item for the MCP call is in the timeline too.
    const items = eventsOf(c, runId).filter((e) => (e.extra as { kind?: string } | undefined)?.kind === 'agent').map((e) => `${e.tool}:${(e.extra as { phase: string }).phase}`);
    expect(items).toEqual(['shoal__exec_shell:started', 'shoal__exec_shell:completed']);
    expect(cli.model.agentRequests().at(-1)!.toolResults.length).toBe(1);
  });

  for (const decision of ['approved', 'denied'] as const) {
    it(`git push under an ask rule waits for a person: ${decision}`, async () => {
      // The model pushes; once the push went through it records that in a file the scorer checks.
      cli.model.setScript((r) => {
        if (r.toolResults.length === 0) return exec(`echo more >> README.md && git add -A && git commit -qm "codex work" && git push -q origin HEAD:refs/heads/codex-${decision}`);
        if (r.toolResults.length === 1 && !/rejected/i.test(r.toolResults[0]!)) return exec('echo ok > pushed.txt');
        return { text: r.toolResults.length === 1 ? 'The push was refused.' : 'Pushed.' };
      });
      const c = core();
      const { repo, remote } = repoWithRemote();
      const policy = { rules: [{ id: 'ask-push', tool: 'exec_shell', prefix: 'git push', action: 'ask', note: 'Pushes leave this computer.' }] };
      const runId = launch(c, { id: `codex-b-${decision}`, name: 'codex b', task_specs: [codexTask('push', { metadata: { policy }, scorer: { kind: 'file_exists', path: 'pushed.txt' } })] }, repo);
      const pending = await waitFor('the approval request', () => c.approvals.pending().find((a) => a.runId === runId), 60_000);
      expect(pending.request.command).toContain(`&& git push -q origin HEAD:refs/heads/codex-${decision}`);
      expect(remoteHas(remote, `refs/heads/codex-${decision}`)).toBe(false);
      expect(c.approvals.decide(pending.id, decision, 'you').changed).toBe(true);
      await c.engine.waitForRun(runId);
      const task = c.runsView.tasks(runId)[0]!;
      if (decision === 'approved') {
        expect(remoteHas(remote, `refs/heads/codex-${decision}`)).toBe(true);
        expect(task.state).toBe('passed');
      } else {
        expect(remoteHas(remote, `refs/heads/codex-${decision}`)).toBe(false);
        expect(cli.model.agentRequests().at(-1)!.toolResults.join('\n')).toMatch(/rejected/i);
        expect(task.state).toBe('failed');
      }
    });
  }

  it('a patch that moves a file is judged on where it writes: a move into a denied folder is declined', async () => {
    const move = exec(`apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: notes.txt\n*** Move to: secrets/notes.txt\n@@\n-hi\n+hi there\n*** End Patch\nEOF\n`);
    cli.model.setScript(replay([move, { text: 'Done.' }]));
    const c = core();
    const repo = initRepo({ 'README.md': 'hi\n', 'notes.txt': 'hi\n' });
    const policy = { rules: [{ id: 'no-secrets', tool: 'write_file', path: 'secrets/**', action: 'deny' }] };
    const runId = launch(c, { id: 'codex-move', name: 'codex move', task_specs: [codexTask('move', { metadata: { policy } })] }, repo);
    await c.engine.waitForRun(runId);
    const denied = gatewayEvents(c, runId).filter((e) => e.kind === 'approval' && e.phase === 'denied');
    expect(denied).toHaveLength(1);
    expect(JSON.stringify(denied[0])).toContain('secrets/notes.txt');
    const receipt = c.engine.fleet.receipts(runId)[0]!;
    const patch = (receipt.artifacts as Array<{ kind: string; path: string }>).find((a) => a.kind === 'patch');
    expect(patch ? fs.readFileSync(patch.path, 'utf8') : '').not.toContain('secrets/notes.txt');
  });

  it('abort from the dialog cancels the turn and the task; nothing is pushed', async () => {
    cli.model.setScript(replay([exec('git push -q origin HEAD:refs/heads/codex-abort'), { text: 'Should never get here.' }]));
    const c = core();
    const { repo, remote } = repoWithRemote();
    const policy = { rules: [{ id: 'ask-push', tool: 'exec_shell', prefix: 'git push', action: 'ask' }] };
    const runId = launch(c, { id: 'codex-abort', name: 'codex abort', task_specs: [codexTask('push', { metadata: { policy } })] }, repo);
    const pending = await waitFor('the approval request', () => c.approvals.pending().find((a) => a.runId === runId), 60_000);
    const before = cli.model.agentRequests().length;
    expect(c.approvals.decide(pending.id, 'abort', 'you').changed).toBe(true);
    await c.engine.waitForRun(runId);
    expect(c.runsView.tasks(runId)[0]!.state).toBe('cancelled');
    expect(eventsOf(c, runId).find((e) => e.state === 'cancelled')).toMatchObject({ cancelled_by: 'you' });
    expect(remoteHas(remote, 'refs/heads/codex-abort')).toBe(false);
    // Codex was told to cancel: it did not go back to the model with a result.
    expect(cli.model.agentRequests().length).toBe(before);
  });
});
