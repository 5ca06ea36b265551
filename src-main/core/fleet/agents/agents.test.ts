// Each agent profile as a user would run it. Here Claude Code is a stand-in executable named
// `claude` on the agent's PATH that prints recorded stream-json output; the command line, the
// parsing and the events are Shoal's real ones. (The real CLIs run in codex/claude integration tests.)
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ShoalCore } from '../../shoal';
import { eventsOf, launch, tempDir } from '../../test-support/temp-core';
import { splitTemplate } from './command-template';
import { inRange, probeAgentVersions } from './agent-versions';
import { CODEX_VERSION_RANGE } from './codex-bridge';
import { codexAppServerParser } from './codex-events';
import { claudeParser, plainParser } from './stream-parsers';
import { useCores } from '../../test-support/use-cores';

const makeCore = useCores();

function fakeBin(name: string, lines: unknown[], argsFile: string): string {
  const dir = tempDir('shoal-bin-');
  const body = lines.map((l) => `printf '%s\\n' '${JSON.stringify(l).replace(/'/g, `'\\''`)}'`).join('\n');
  fs.writeFileSync(path.join(dir, name), `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\n${body}\n`, { mode: 0o755 });
  return dir;
}

function coreWithPath(binDir: string, extraEnv: Record<string, string> = {}): ShoalCore {
  const c = makeCore({ env: { ...process.env, ...extraEnv, PATH: `${binDir}:${process.env.PATH}` } }, { start: false });
  c.start();
  return c;
}

const payloads = (events: Array<Record<string, unknown>>) =>
  events.filter((e) => ['model_wait', 'running_tool', 'completed'].includes(String(e.state)) && !(e.extra as Record<string, unknown> | undefined)?.phase)
    .map(({ state, model, tool, call_id, summary }) => ({ state, ...(model ? { model } : {}), ...(tool ? { tool } : {}), ...(call_id ? { call_id } : {}), ...(summary ? { summary } : {}) }));

describe('agent profiles', () => {
  it('claude-code: tool use becomes running_tool, waiting on the model model_wait', async () => {
    const argsFile = path.join(tempDir(), 'args');
    const bin = fakeBin('claude', [
      { type: 'system', subtype: 'init', model: 'claude-sonnet-4-5', tools: ['Bash'] },
      { type: 'assistant', message: { content: [{ type: 'text', text: 'Running the tests.' }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'npm test' } }] } },
      { type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] } },
      { type: 'result', subtype: 'success', is_error: false, result: 'All 12 tests pass.' },
    ], argsFile);
    const c = coreWithPath(bin, { ANTHROPIC_API_KEY: 'sk-ant-test' });
    const runId = launch(c, { name: 'claude', task_specs: [{ id: 'c', name: 'c', instructions: 'make the tests pass', metadata: { agent: 'claude-code', model: 'sonnet' } }] });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    expect(payloads(eventsOf(c, runId))).toEqual([
      { state: 'model_wait', model: 'claude-sonnet-4-5' },
      { state: 'running_tool', tool: 'Bash', call_id: 'toolu_1' },
      { state: 'model_wait', model: 'claude-sonnet-4-5' },
      { state: 'completed', summary: 'All 12 tests pass.' },
    ]);
    const args = fs.readFileSync(argsFile, 'utf8').split('\n');
    expect(args.slice(0, 5)).toEqual(['-p', 'make the tests pass', '--output-format', 'stream-json', '--verbose']);
    expect(args).toContain('--model');
  });

  it('a missing agent binary fails the attempt with a reason a person can act on', async () => {
    const c = makeCore({ env: { PATH: `${tempDir('shoal-empty-bin-')}:/usr/bin:/bin` } });
    const runId = launch(c, { name: 'none', task_specs: [{ id: 'x', name: 'x', instructions: 'hi', metadata: { agent: { command: 'no-such-agent-xyz {instructions}' } }, retry_policy: { max_attempts: 1 } }] });
    expect(await c.engine.waitForRun(runId)).toBe('failed');
    expect(c.runsView.tasks(runId)[0]!.lastError).toMatch(/could not start no-such-agent-xyz/);
  });

  for (const [agent, what, env, message] of [
    ['codex', 'no key and no base URL', {}, /Codex needs an OpenAI API key/],
    ['codex', 'no codex binary', { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }, /"codex" is not installed or not on PATH/],
    ['claude-code', 'no key', {}, /Claude Code needs an Anthropic API key/],
    ['claude-code', 'no claude binary', { ANTHROPIC_API_KEY: 'sk-ant-test' }, /"claude" is not installed or not on PATH/],
  ] as const) {
    it(`${agent} with ${what} fails with a clear message`, async () => {
      const c = makeCore({ env: { PATH: `${tempDir('shoal-empty-bin-')}:/usr/bin:/bin`, ...env } });
      const runId = launch(c, { name: 'none', task_specs: [{ id: 'x', name: 'x', instructions: 'hi', metadata: { agent }, retry_policy: { max_attempts: 1 } }] });
      expect(await c.engine.waitForRun(runId)).toBe('failed');
      const log = (c.engine.fleet.receipts(runId)[0]!.artifacts as Array<{ kind: string; path: string }>).find((a) => a.kind === 'log')!;
      expect(fs.readFileSync(log.path, 'utf8')).toMatch(message);
      // The task says why too, not only "agent exited with code 2" that sends the reader to the log.
      const why = c.runsView.tasks(runId)[0]!.lastError!;
      expect(why).toMatch(/^agent exited with code \d+: /);
      expect(why).toMatch(message);
    });
  }

  it('custom: placeholders are filled inside words and never reach a shell', async () => {
    const c = coreWithPath(tempDir('shoal-empty-bin-'));
    const runId = launch(c, {
      name: 'custom',
      task_specs: [{ id: 'tpl', name: 't', instructions: 'fix it $(touch pwned) `touch pwned2`', metadata: { agent: { command: "printf '%s|%s' {task_id} \"{instructions}\"" } } }],
    });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const log = (c.engine.fleet.receipts(runId)[0]!.artifacts as Array<{ kind: string; path: string }>).find((a) => a.kind === 'log')!;
    expect(fs.readFileSync(log.path, 'utf8')).toContain('tpl|fix it $(touch pwned) `touch pwned2`');
    const workdir = c.store.db.prepare('SELECT workdir FROM attempts WHERE run_id = ?').get(runId) as { workdir: string };
    expect(fs.existsSync(path.join(workdir.workdir, 'pwned'))).toBe(false);
  });

  it('agents get an allowlisted environment plus the task’s own variables', async () => {
    const c = coreWithPath(tempDir('shoal-empty-bin-'), { SHOAL_TEST_SECRET: 'hunter2', AWS_SECRET_ACCESS_KEY: 'nope' });
    const runId = launch(c, { name: 'env', task_specs: [{ id: 'e', name: 'e', instructions: 'env', metadata: { env: { FEATURE_FLAG: 'on' } } }] });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const log = (c.engine.fleet.receipts(runId)[0]!.artifacts as Array<{ kind: string; path: string }>).find((a) => a.kind === 'log')!;
    const text = fs.readFileSync(log.path, 'utf8');
    expect(text).toContain('FEATURE_FLAG=on');
    expect(text).toContain(`SHOAL_TASK_ID=e`);
    expect(text).toMatch(/^PATH=/m);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('AWS_SECRET_ACCESS_KEY');
  });
});

describe('agent API keys', () => {
  it('come sealed from the vault into the agent that needs them, never into the database in the clear or the log', async () => {
    const bin = tempDir('shoal-bin-');
    // A stand-in `claude` that proves which keys it got, by their lengths only.
    fs.writeFileSync(path.join(bin, 'claude'), '#!/bin/sh\necho "anthropic=${#ANTHROPIC_API_KEY} openai=${#OPENAI_API_KEY}" > "$SHOAL_ARTIFACTS_DIR/keys-seen.txt"\n', { mode: 0o755 });
    const c = makeCore({ env: { PATH: `${bin}:/usr/bin:/bin`, ANTHROPIC_API_KEY: 'from-the-shell' } });
    // Set through the contract, as Settings and the CLI do; what comes back never holds a key.
    for (const bad of ['sk ant has spaces', 'sk-one\nsk-two', 'sk-\u0007bell']) {
      const refused = await c.call('agents.setKey', { provider: 'openai', apiKey: bad }, { transport: 'test' });
      expect(refused.ok ? 'saved' : refused.error.message, JSON.stringify(bad)).toMatch(/apiKey: one word of printable characters/);
    }
    expect((await c.call('agents.keys', {}, { transport: 'test' }))).toMatchObject({ ok: true, value: expect.arrayContaining([expect.objectContaining({ provider: 'openai', state: 'unset' })]) });
    expect((await c.call('agents.setKey', { provider: 'openai', apiKey: 'sk-openai-sealed' }, { transport: 'test' })).ok).toBe(true);
    const set = await c.call('agents.setKey', { provider: 'anthropic', apiKey: 'sk-ant-sealed-0123456789' }, { transport: 'test' });
    expect(set).toEqual({ ok: true, value: [{ provider: 'anthropic', env: 'ANTHROPIC_API_KEY', state: 'set' }, { provider: 'openai', env: 'OPENAI_API_KEY', state: 'set' }] });
    const runId = launch(c, { name: 'keys', task_specs: [{ id: 'k', name: 'k', instructions: 'hi', metadata: { agent: 'claude-code' }, expected_artifacts: ['keys'] }] });
    expect(await c.engine.waitForRun(runId)).toBe('completed');
    const artifacts = c.engine.fleet.receipts(runId)[0]!.artifacts as Array<{ kind: string; path: string }>;
    // The vault's key (24 chars) won over the shell's; Codex's key stayed out of Claude's environment.
    expect(fs.readFileSync(artifacts.find((a) => a.kind === 'keys')!.path, 'utf8').trim()).toBe('anthropic=24 openai=0');
    expect(fs.readFileSync(artifacts.find((a) => a.kind === 'log')!.path, 'utf8')).not.toContain('sk-ant-sealed');
    c.store.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(fs.readFileSync(c.store.path).includes('sk-ant-sealed-0123456789')).toBe(false);
  });
});

describe('stream parsers', () => {
  it('tell a failure the agent reported apart from its answer and from plain output', () => {
    const ok = claudeParser();
    ok.line(JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'All 12 tests pass.' }));
    expect([ok.summary(), ok.failure()]).toEqual(['All 12 tests pass.', undefined]);
    const bad = claudeParser();
    bad.line(JSON.stringify({ type: 'result', subtype: 'error', is_error: true, result: 'Invalid API key ·\n Please run /login' }));
    expect(bad.failure()).toBe('Invalid API key · Please run /login');
    const codex = codexAppServerParser();
    codex.line(JSON.stringify({ method: 'turn/completed', params: { turn: { status: 'failed', error: { message: 'stream disconnected before completion' } } } }));
    expect(codex.failure()).toBe('Codex failed: stream disconnected before completion');
    const plain = plainParser();
    plain.line('npm ERR! Test failed.');
    expect([plain.summary(), plain.failure()]).toEqual(['npm ERR! Test failed.', undefined]);
  });

  it('ignore lines that are not JSON or not understood', () => {
    const p = claudeParser();
    expect(p.line('not json')).toEqual([]);
    expect(p.line('{"type":"something_new"}')).toEqual([]);
    expect(p.line('{broken')).toEqual([]);
    const q = codexAppServerParser();
    expect(q.line('{"method":"something/new","params":{}}')).toEqual([]);
    expect(q.line('{"method":"item/started","params":{"item":{"id":"m","type":"mcpToolCall","server":"s","tool":"search","status":"inProgress"}}}'))
      .toEqual([{ state: 'running_tool', tool: 's__search', call_id: 'codex-m', extra: { kind: 'agent', phase: 'started', payload: { status: 'inProgress' } } }]);
    q.line('{"method":"thread/tokenUsage/updated","params":{"tokenUsage":{"total":{"totalTokens":162,"inputTokens":120,"cachedInputTokens":7,"outputTokens":42,"reasoningOutputTokens":3}}}}');
    expect(q.usage()).toEqual({ input_tokens: 120, cached_input_tokens: 7, output_tokens: 42, total_tokens: 162, cost_usd: null });
  });

  it('split command templates like a POSIX shell, without expansions', () => {
    expect(splitTemplate(`aider --message "{instructions}" --yes`)).toEqual(['aider', '--message', '{instructions}', '--yes']);
    expect(splitTemplate(`a 'b c' d\\ e "f\\"g"`)).toEqual(['a', 'b c', 'd e', 'f"g']);
    expect(() => splitTemplate(`a "b`)).toThrow(/unterminated/);
  });
});

describe('agent versions', () => {
  it('reports the installed CLIs (the dev dependencies) and whether Shoal speaks their protocol', async () => {
    const bin = path.resolve('node_modules/.bin');
    expect(await probeAgentVersions({ PATH: `${bin}:/usr/bin:/bin` })).toEqual({
      'claude-code': { version: '2.1.197', supported: true },
      codex: { version: '0.171.0', supported: true },
    });
    expect(await probeAgentVersions({ PATH: tempDir('shoal-empty-bin-') })).toEqual({ 'claude-code': null, codex: null });
    expect(inRange('0.171.9', CODEX_VERSION_RANGE)).toBe(true);
    expect(inRange('0.172.0', CODEX_VERSION_RANGE)).toBe(false);
    expect(inRange('0.170.3', CODEX_VERSION_RANGE)).toBe(false);
  });
});
