// The gateway as threads and MCP clients use it: the same policy and approval flow for a thread
// scope, approved_for_session and approved_execpolicy_amendment, file writes with their diff, and a
// real MCP client (the SDK's Streamable HTTP client) talking to an attempt's endpoint the way Claude
// Code does, including its --permission-prompt-tool answer format.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import type { EventPayload } from '../fleet/event-log';
import type { ShoalCore } from '../shoal';
import { tempDir } from '../test-support/temp-core';
import type { ToolLifecycleEvent, ToolScope } from '../tools/tool-gateway';
import { hookUrlOf } from './endpoints';
import { unifiedDiff } from './unified-diff';
import { waitFor } from '../test-support/wait-for';
import { useCores } from '../test-support/use-cores';

const makeCore = useCores();
const core = (): ShoalCore => makeCore();

const thread = (workdir: string): ToolScope => ({ kind: 'thread', threadId: 'thread-7', turnId: 'turn-1', workdir });

describe('tool gateway', () => {
  it('a thread call that needs approval waits; approved_for_session covers the same command; the amendment adds a rule', async () => {
    const c = core();
    const dir = tempDir();
    c.policy.setOptions({ mode: 'untrusted' }, 'test'); // touch is trusted by no rule: it asks
    const events: ToolLifecycleEvent[] = [];
    const call = (command: string, callId: string) => c.tools.invoke({ tool: 'exec_shell', arguments: { command }, callId, scope: thread(dir), onLifecycle: (e) => events.push(e) });

    const first = call('touch a.txt', 'c1');
    const req = await waitFor('a request', () => c.approvals.pending()[0]);
    expect(req).toMatchObject({ threadId: 'thread-7', runId: null, tool: 'exec_shell', request: { turn_id: 'turn-1', call_id: 'c1', command: 'touch a.txt', cwd: dir } });
    c.approvals.decide(req.id, 'approved_for_session', 'you');
    expect(await first).toMatchObject({ status: 'completed', exitCode: 0 });
    expect(fs.existsSync(path.join(dir, 'a.txt'))).toBe(true);
    expect(events.map((e) => `${e.kind}:${e.phase}`)).toEqual(['tool:precheck', 'approval:requested', 'approval:approved', 'tool:dispatching', 'tool:completed']);

    // The same command again: no new request.
    expect(await call('touch a.txt', 'c2')).toMatchObject({ status: 'completed' });
    expect(c.approvals.pending()).toEqual([]);

    // Another touch asks; "always allow touch" adds a user rule and later calls run at once.
    const third = call('touch b.txt', 'c3');
    const req3 = await waitFor('a second request', () => c.approvals.pending()[0]);
    expect(req3.request.proposed_execpolicy_amendment).toEqual(['touch']);
    c.approvals.decide(req3.id, 'approved_execpolicy_amendment', 'you');
    expect(await third).toMatchObject({ status: 'completed' });
    expect(c.policy.rules()).toContainEqual(expect.objectContaining({ id: 'allow-touch', tool: 'exec_shell', prefix: 'touch', action: 'allow' }));
    expect(await call('touch c.txt', 'c4')).toMatchObject({ status: 'completed' });
    expect(c.approvals.pending()).toEqual([]);
    expect(c.audit.list({ limit: 20, prefix: 'policy.' })[0]).toMatchObject({ action: 'policy.rule_added', subject: 'allow-touch' });
  });

  it('denied returns a refusal the caller sees; abort tells the thread to end its turn', async () => {
    const c = core();
    const dir = tempDir();
    const denied = c.tools.invoke({ tool: 'exec_shell', arguments: { command: 'git push origin main' }, callId: 'd1', scope: thread(dir) });
    c.approvals.decide((await waitFor('request', () => c.approvals.pending()[0])).id, 'denied', 'you');
    expect(await denied).toEqual({ status: 'denied', output: 'Denied by you: "git push origin main" was not approved. Carry on without it.', matchedRule: 'tool=exec_shell command=git push' });
    const aborted = c.tools.invoke({ tool: 'exec_shell', arguments: { command: 'sudo ls' }, callId: 'd2', scope: thread(dir) });
    c.approvals.decide((await waitFor('request', () => c.approvals.pending()[0])).id, 'abort', 'you');
    expect(await aborted).toMatchObject({ status: 'aborted' });
  });

  it('shows the diff a file write would apply, and writes only once approved', async () => {
    const c = core();
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'app.env'), 'A=1\nB=2\n');
    c.policy.saveRule({ id: 'ask-env', tool: 'write_file', path: '**/*.env', action: 'ask' }, 'test');
    const write = c.tools.invoke({ tool: 'write_file', arguments: { path: 'app.env', content: 'A=1\nB=3\n' }, callId: 'w1', scope: thread(dir) });
    const req = await waitFor('request', () => c.approvals.pending()[0]);
    expect(req.tool).toBe('write_file');
    expect(req.request.command).toBe('write_file app.env');
    expect(req.diff).toBe('diff --git a/app.env b/app.env\n--- a/app.env\n+++ b/app.env\n@@ -1,2 +1,2 @@\n A=1\n-B=2\n+B=3\n');
    expect(req.request.available_decisions).not.toContain('approved_execpolicy_amendment'); // no prefix to propose
    expect(fs.readFileSync(path.join(dir, 'app.env'), 'utf8')).toBe('A=1\nB=2\n');
    c.approvals.decide(req.id, 'approved', 'you');
    expect(await write).toMatchObject({ status: 'completed' });
    expect(fs.readFileSync(path.join(dir, 'app.env'), 'utf8')).toBe('A=1\nB=3\n');
  });

  it('a new file under a symlinked folder is outside the workdir when the folder points outside', async () => {
    const c = core();
    const dir = tempDir();
    const outside = tempDir();
    fs.symlinkSync(outside, path.join(dir, 'out'));
    fs.symlinkSync(path.join(outside, 'made-by-link.txt'), path.join(dir, 'dangling.txt'));
    for (const rel of ['out/new.txt', 'out/deeper/new.txt', 'dangling.txt']) {
      const write = await c.tools.invoke({ tool: 'write_file', arguments: { path: rel, content: 'x' }, callId: `w-${rel}`, scope: thread(dir) });
      expect(write).toMatchObject({ status: 'failed', output: expect.stringContaining(`"${rel}" resolves outside the task workdir`) });
    }
    expect(fs.readdirSync(outside)).toEqual([]);
    // A symlinked folder that stays inside is fine.
    fs.mkdirSync(path.join(dir, 'real'));
    fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'alias'));
    expect(await c.tools.invoke({ tool: 'write_file', arguments: { path: 'alias/sub/in.txt', content: 'y' }, callId: 'w-in', scope: thread(dir) })).toMatchObject({ status: 'completed' });
    expect(fs.readFileSync(path.join(dir, 'real', 'sub', 'in.txt'), 'utf8')).toBe('y');
  });

  it('confines file tools to the workdir and applies patches', async () => {
    const c = core();
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.txt'), 'one\ntwo\nthree\n');
    const escape = await c.tools.invoke({ tool: 'read_file', arguments: { path: '../../etc/passwd' }, callId: 'r1', scope: thread(dir) });
    expect(escape).toMatchObject({ status: 'failed', output: expect.stringContaining('resolves outside the task workdir') });
    expect(await c.tools.invoke({ tool: 'read_file', arguments: { path: 'a.txt', offset: 2, limit: 1 }, callId: 'r2', scope: thread(dir) })).toEqual({ status: 'completed', output: 'two' });
    const patch = unifiedDiff('a.txt', 'one\ntwo\nthree\n', 'one\n2\nthree\nfour\n');
    expect(await c.tools.invoke({ tool: 'apply_patch', arguments: { patch }, callId: 'p1', scope: thread(dir) })).toMatchObject({ status: 'completed' });
    expect(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('one\n2\nthree\nfour\n');
    const outside = await c.tools.invoke({ tool: 'apply_patch', arguments: { patch: patch.replace(/a\.txt/g, '../x.txt') }, callId: 'p2', scope: thread(dir) });
    expect(outside.status).toBe('failed');
  });

  it('a patch is judged on every file it touches, not only its first', async () => {
    const c = core();
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'secrets'));
    fs.writeFileSync(path.join(dir, 'a.txt'), 'one\n');
    fs.writeFileSync(path.join(dir, 'secrets', 'key.txt'), 'k1\n');
    fs.writeFileSync(path.join(dir, 'old.txt'), 'o\n');
    c.policy.saveRule({ id: 'no-secrets', tool: '*', path: 'secrets/**', action: 'deny' }, 'test');
    const patch = unifiedDiff('a.txt', 'one\n', 'one\ntwo\n') + unifiedDiff('secrets/key.txt', 'k1\n', 'k2\n');
    const r = await c.tools.invoke({ tool: 'apply_patch', arguments: { patch }, callId: 'p1', scope: thread(dir) });
    expect(r).toMatchObject({ status: 'denied', matchedRule: 'tool=* path=secrets/**' });
    expect(fs.readFileSync(path.join(dir, 'secrets', 'key.txt'), 'utf8')).toBe('k1\n');
    expect(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('one\n');
    // A rename out of the secrets (its source side) is judged too.
    const rename = '--- a/secrets/key.txt\n+++ b/leak.txt\n@@ -1 +1 @@\n-k1\n+k1\n';
    expect(await c.tools.invoke({ tool: 'apply_patch', arguments: { patch: rename }, callId: 'p2', scope: thread(dir) })).toMatchObject({ status: 'denied' });
    // Files no rule is about still patch.
    expect(await c.tools.invoke({ tool: 'apply_patch', arguments: { patch: unifiedDiff('old.txt', 'o\n', 'p\n') }, callId: 'p3', scope: thread(dir) })).toMatchObject({ status: 'completed' });
  });

  it("Claude's PreToolUse hook is refused, not failed, when the gateway cannot judge the call", async () => {
    const c = core();
    const dir = tempDir();
    let writable = true;
    const session = await c.tools.openAttempt({
      scope: { kind: 'task', runId: 'run-hook', taskId: 't', attempt: 1, workdir: dir }, metadata: {},
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      record: () => {
        if (!writable) throw new Error('SQLITE_BUSY: database is locked');
      },
    });
    const hook = (input: Record<string, unknown>) => fetch(hookUrlOf(session.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
    const ok = await hook({ tool_name: 'Read', tool_input: { file_path: 'a.txt' }, tool_use_id: 'toolu_1' });
    expect(await ok.json()).toMatchObject({ hookSpecificOutput: { permissionDecision: 'allow' } });
    // The call's precheck cannot be written (the store busy past its timeout): a non-2xx hook answer
    // would let Claude run its read-only tools unjudged.
    writable = false;
    const failed = await hook({ tool_name: 'Read', tool_input: { file_path: 'secrets/key.txt' }, tool_use_id: 'toolu_2' });
    expect(failed.status).toBe(200);
    expect(await failed.json()).toEqual({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: expect.stringMatching(/^Shoal could not judge this call: /) } });
  });

  it('unified diffs of many hunks apply cleanly with git', () => {
    const dir = tempDir();
    const before = Array.from({ length: 60 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const after = before.replace('line 3\n', 'line three\n').replace('line 40\n', '').replace('line 59\n', 'line 59\nline 60\n');
    fs.writeFileSync(path.join(dir, 'f.txt'), before);
    fs.writeFileSync(path.join(dir, 'p.diff'), unifiedDiff('f.txt', before, after));
    execFileSync('git', ['apply', 'p.diff'], { cwd: dir });
    expect(fs.readFileSync(path.join(dir, 'f.txt'), 'utf8')).toBe(after);
    expect(unifiedDiff('f.txt', before, before)).toBe('');
  });

  it('serves MCP over HTTP to an attempt: tools, exec_shell, and the permission-prompt answer', async () => {
    const c = core();
    const dir = tempDir();
    const recorded: EventPayload[] = [];
    const session = await c.tools.openAttempt({
      scope: { kind: 'task', runId: 'run-mcp', taskId: 't', attempt: 1, workdir: dir },
      metadata: { policy: { rules: [{ id: 'ask-curl', tool: 'exec_shell', prefix: 'curl', action: 'ask' }] } },
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, record: (e) => recorded.push(...e),
    });
    expect(session.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp\/[0-9a-f]{48}$/);
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(session.url)));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['exec_shell', 'read_file', 'write_file', 'apply_patch', 'approval_prompt']);

      const ran = await client.callTool({ name: 'exec_shell', arguments: { command: 'echo out; echo err >&2; exit 3' } });
      expect(ran.isError).toBe(true);
      expect((ran.content as Array<{ text: string }>)[0]!.text).toBe('out\nerr\n[exit code 3]');
      expect(ran.structuredContent).toEqual({ status: 'failed', exit_code: 3 });

      const allow = await client.callTool({ name: 'approval_prompt', arguments: { tool_name: 'Bash', input: { command: 'git status' }, tool_use_id: 'toolu_1' } });
      expect(JSON.parse((allow.content as Array<{ text: string }>)[0]!.text)).toEqual({ behavior: 'allow', updatedInput: { command: 'git status' } });

      const asking = client.callTool({ name: 'approval_prompt', arguments: { tool_name: 'Bash', input: { command: 'curl -s https://example.com' }, tool_use_id: 'toolu_2' } });
      const req = await waitFor('request', () => c.approvals.pending()[0]);
      expect(req).toMatchObject({ runId: 'run-mcp', taskId: 't', attempt: 1, callId: 'toolu_2', request: { matched_rule: 'tool=exec_shell command=curl' } });
      c.approvals.decide(req.id, 'denied', 'you');
      expect(JSON.parse(((await asking).content as Array<{ text: string }>)[0]!.text)).toEqual({ behavior: 'deny', message: 'Denied by you: "curl -s https://example.com" was not approved. Carry on without it.' });

      const readOnly = await client.callTool({ name: 'approval_prompt', arguments: { tool_name: 'TodoWrite', input: { todos: [] } } });
      expect(JSON.parse((readOnly.content as Array<{ text: string }>)[0]!.text)).toMatchObject({ behavior: 'allow' });
    } finally {
      await client.close();
      session.close();
    }
    expect(recorded.every((e) => e.state === 'running_tool')).toBe(true);
    expect(recorded.map((e) => (e.extra as Record<string, unknown>).phase)).toEqual([
      'precheck', 'dispatching', 'failed', // exec_shell
      'precheck', 'dispatching', // Bash git status, run by the agent itself
      'precheck', 'requested', 'denied', // Bash curl
    ]);
    // The endpoint is gone with the attempt.
    const after = await fetch(session.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(after.status).toBe(404);
  });

  it('lists and runs a registered provider\u2019s tools under the same policy', async () => {
    const c = core();
    const dir = tempDir();
    const calls: unknown[] = [];
    const off = c.tools.registerProvider({
      id: 'notes',
      listTools: () => [{ name: 'notes__add', description: 'add a note', inputSchema: { type: 'object' } }],
      call: async (tool, args) => {
        calls.push([tool, args]);
        return { output: 'added', isError: false };
      },
    });
    expect(c.tools.listTools(thread(dir)).map((t) => t.name)).toContain('notes__add');
    c.policy.saveRule({ id: 'notes-ask', tool: 'notes__*', action: 'ask' }, 'test');
    const pending = c.tools.invoke({ tool: 'notes__add', arguments: { text: 'hi' }, callId: 'n1', scope: thread(dir) });
    const req = await waitFor('request', () => c.approvals.pending()[0]);
    expect(req.request.matched_rule).toBe('tool=notes__*');
    c.approvals.decide(req.id, 'approved', 'you');
    expect(await pending).toEqual({ status: 'completed', output: 'added' });
    expect(calls).toEqual([['notes__add', { text: 'hi' }]]);
    off();
    expect(c.tools.listTools(thread(dir)).map((t) => t.name)).not.toContain('notes__add');
  });
});
