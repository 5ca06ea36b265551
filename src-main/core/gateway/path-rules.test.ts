// Path rules cover every way an agent reads a file, not only Read: Claude Code's Grep and Glob (a
// folder searched as a whole) asked through the permission prompt tool of a real attempt endpoint
// (the SDK's MCP client, as Claude Code calls it), and `cat`/`head`/`tail`/`less` run through the
// gateway's shell — on a real core with a real SQLite file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from '../policy/defaults';
import { hookUrlOf } from './endpoints';
import { evaluatePolicy } from '../policy/evaluate';
import { parseResolved, resolveArgv, type ResolvePaths } from '../policy/real-path-there';
import type { PolicyRule } from '../../../src-shared/contract/methods/policy';
import { tempDir } from '../test-support/temp-core';
import { waitFor } from '../test-support/wait-for';
import { useCores } from '../test-support/use-cores';
import type { ShoalCore } from '../shoal';

const makeCore = useCores();
const SECRET = 'TOKEN=do-not-leak-4242';
const DENY_SECRETS: PolicyRule = { id: 'no-secrets', tool: 'read_file', path: 'secrets/**', action: 'deny', note: 'Keys live here.' };

function workdirWithSecret(): string {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'secrets'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'secrets', 'key.txt'), SECRET + '\n');
  fs.writeFileSync(path.join(dir, 'src', 'a.ts'), 'export const a = 1;\n');
  fs.writeFileSync(path.join(dir, 'README.md'), 'hello\n');
  return dir;
}

/** Claude's permission-prompt tool on a task attempt's endpoint in `dir`, as Claude asks it. */
async function promptTool(c: ShoalCore, dir: string, runId: string, opts: { remoteFiles?: boolean; there?: { dir: string; resolve: ResolvePaths } } = {}) {
  const session = await c.tools.openAttempt({
    scope: { kind: 'task', runId, taskId: 't', attempt: 1, workdir: dir }, metadata: {},
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, record: () => {}, ...(opts.remoteFiles ? { remoteFiles: true } : {}),
  });
  if (opts.there) session.workdirThere(opts.there.dir, opts.there.resolve);
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(session.url)));
  let n = 0;
  return {
    ask: async (tool_name: string, input: Record<string, unknown>) => {
      const r = await client.callTool({ name: 'approval_prompt', arguments: { tool_name, input, tool_use_id: `toolu_${runId}_${++n}` } });
      return JSON.parse((r.content as Array<{ text: string }>)[0]!.text) as { behavior: string; message?: string };
    },
    close: async () => {
      await client.close();
      session.close();
    },
  };
}

describe('path rules and folder reads', () => {
  it("Claude's Grep and Glob are judged by the path rules of every file under the folder they search", async () => {
    const c = makeCore();
    const dir = workdirWithSecret();
    c.policy.saveRule(DENY_SECRETS, 'test');
    const { ask, close } = await promptTool(c, dir, 'run-paths');
    try {
      expect(await ask('Read', { file_path: path.join(dir, 'secrets', 'key.txt') })).toMatchObject({ behavior: 'deny' });
      // A search of the whole workdir (no path, ".", the absolute workdir) reads secrets/ too.
      for (const input of [{ pattern: 'TOKEN' }, { pattern: 'TOKEN', path: '.' }, { pattern: 'TOKEN', path: dir }, { pattern: 'TOKEN', path: 'secrets' }]) {
        const v = await ask('Grep', input);
        expect(v, JSON.stringify(input)).toMatchObject({ behavior: 'deny' });
        expect(v.message).toContain('no-secrets');
        expect(v.message).toContain('search a folder that holds none of them');
      }
      expect(await ask('Glob', { pattern: 'secrets/**' })).toMatchObject({ behavior: 'deny' });
      expect(await ask('Glob', { pattern: '**/*.txt' })).toMatchObject({ behavior: 'deny' });
      // A search that stays out of secrets/ is not.
      expect(await ask('Grep', { pattern: 'TOKEN', path: 'src' })).toMatchObject({ behavior: 'allow' });
      expect(await ask('Glob', { pattern: 'src/**/*.ts' })).toMatchObject({ behavior: 'allow' });
      expect(await ask('LS', { path: dir })).toMatchObject({ behavior: 'allow' });
    } finally {
      await close();
    }
  });

  it('cat, head, tail and less through the shell are judged by the path rules of the files they name', async () => {
    const c = makeCore();
    const dir = workdirWithSecret();
    c.policy.saveRule(DENY_SECRETS, 'test');
    c.policy.saveRule({ id: 'ask-readme', tool: 'read_file', path: 'README.md', action: 'ask' }, 'test');
    const scope = { kind: 'thread' as const, threadId: 'th', turnId: 'tu', workdir: dir };
    let n = 0;
    const run = (command: string) => c.tools.invoke({ tool: 'exec_shell', arguments: { command }, callId: `s${++n}`, scope });

    for (const command of ['cat secrets/key.txt', 'head -n 1 secrets/key.txt', 'tail -c 40 ./secrets/../secrets/key.txt', 'less secrets/key.txt',
      `cat ${path.join(dir, 'secrets', 'key.txt')}`, 'cat secrets/*', 'echo x && cat src/a.ts secrets/key.txt']) {
      const out = await run(command);
      expect(out, command).toMatchObject({ status: 'denied', matchedRule: 'tool=read_file path=secrets/**' });
      expect(out.output).not.toContain('do-not-leak');
    }
    expect(await run('cat src/a.ts')).toMatchObject({ status: 'completed', output: 'export const a = 1;\n' });

    // An ask rule about a file asks for the shell read too, and offers no prefix "always allow" for it.
    const asking = run('cat README.md');
    const req = await waitFor('a request', () => c.approvals.pending()[0]);
    expect(req.request).toMatchObject({ matched_rule: 'tool=read_file path=README.md', proposed_execpolicy_amendment: [] });
    c.approvals.decide(req.id, 'approved', 'you');
    expect(await asking).toMatchObject({ status: 'completed', output: 'hello\n' });
  });

  it('a symlink the agent made inside its workdir does not get a read, search or write past a path rule', async () => {
    const c = makeCore();
    const dir = workdirWithSecret();
    c.policy.saveRule(DENY_SECRETS, 'test');
    c.policy.saveRule({ id: 'no-secret-writes', tool: 'write_file', path: 'secrets/**', action: 'deny' }, 'test');
    fs.symlinkSync('secrets', path.join(dir, 's')); // what `ln -s secrets s` in the agent's shell leaves
    fs.symlinkSync('../secrets/key.txt', path.join(dir, 'src', 'k'));
    const { ask, close } = await promptTool(c, dir, 'run-links');
    try {
      for (const [tool, input] of [
        ['Read', { file_path: path.join(dir, 's', 'key.txt') }], ['Read', { file_path: 's/key.txt' }], ['Read', { file_path: 'src/k' }],
        ['Grep', { pattern: 'TOKEN', path: 's' }], ['Glob', { pattern: 's/*.txt' }], ['Write', { file_path: 's/new.txt', content: 'x' }],
        ['Edit', { file_path: 's/key.txt', old_string: 'TOKEN', new_string: 'T' }], ['Bash', { command: 'cat s/key.txt' }],
      ] as Array<[string, Record<string, unknown>]>) {
        const v = await ask(tool, input);
        expect(v, `${tool} ${JSON.stringify(input)}`).toMatchObject({ behavior: 'deny' });
        expect(v.message).toContain('resolves to "secrets');
      }
      expect(await ask('Read', { file_path: 'src/a.ts' })).toMatchObject({ behavior: 'allow' });
      expect(await ask('Grep', { pattern: 'TOKEN', path: 'src' })).toMatchObject({ behavior: 'allow' });
    } finally {
      await close();
    }
    // The gateway's own read_file and shell, for a thread in the same folder.
    let n = 0;
    const scope = { kind: 'thread' as const, threadId: 'th', turnId: 'tu', workdir: dir };
    for (const [tool, args] of [['read_file', { path: 's/key.txt' }], ['read_file', { path: 'src/k' }], ['exec_shell', { command: 'cat s/key.txt' }]] as const) {
      const out = await c.tools.invoke({ tool, arguments: { ...args }, callId: `l${++n}`, scope });
      expect(out, JSON.stringify(args)).toMatchObject({ status: 'denied', matchedRule: 'tool=read_file path=secrets/**' });
      expect(out.output).not.toContain('do-not-leak');
    }
    expect(await c.tools.invoke({ tool: 'read_file', arguments: { path: 'src/a.ts' }, callId: `l${++n}`, scope })).toMatchObject({ status: 'completed' });
  });

  // The worker's files are in `there` (as on an SSH host); the host is asked with the same script a
  // driver runs there (here through this computer's sh, on that folder).
  it("an SSH or Docker worker's paths are followed where its files are, not here", async () => {
    const c = makeCore();
    const dir = workdirWithSecret();
    const there = workdirWithSecret();
    c.policy.saveRule(DENY_SECRETS, 'test');
    fs.symlinkSync('src', path.join(dir, 's')); // here: says nothing about the worker
    fs.symlinkSync('secrets', path.join(there, 's'));
    const asked: string[][] = [];
    const resolve = async (paths: readonly string[]) => {
      asked.push([...paths]);
      return parseResolved(execFileSync('sh', resolveArgv(paths).slice(1)), paths.length);
    };
    const { ask, close } = await promptTool(c, dir, 'run-remote-files', { remoteFiles: true, there: { dir: there, resolve } });
    try {
      const denied = await ask('Read', { file_path: 's/key.txt' });
      expect(denied).toMatchObject({ behavior: 'deny', message: expect.stringContaining('resolves to "secrets/key.txt"') });
      expect(asked).toEqual([[there, path.join(there, 's/key.txt')]]);
      expect(await ask('Read', { file_path: `${there}/src/a.ts` })).toMatchObject({ behavior: 'allow' });
    } finally {
      await close();
    }
  });

  it('a path the worker cannot be asked about is put to a person, not let through', async () => {
    const c = makeCore();
    const dir = workdirWithSecret();
    c.policy.saveRule(DENY_SECRETS, 'test');
    const resolve = async (): Promise<string[]> => {
      throw new Error('ssh box: following paths for the path rules failed: connection lost');
    };
    const { ask, close } = await promptTool(c, dir, 'run-remote-unknown', { remoteFiles: true, there: { dir: '/there/work', resolve } });
    try {
      const verdict = ask('Read', { file_path: 'src/a.ts' });
      const pending = await waitFor('the approval request', () => c.approvals.pending().find((a) => a.runId === 'run-remote-unknown'));
      expect(pending.request.reason).toContain('could not tell where "/there/work/src/a.ts" really lands');
      expect(pending.request.reason).toContain('connection lost');
      c.approvals.decide(pending.id, 'denied', 'you');
      expect(await verdict).toMatchObject({ behavior: 'deny' });
      // A call no path rule is about needs no answer from the host.
      expect(await ask('Bash', { command: 'echo hi' })).toMatchObject({ behavior: 'allow' });
    } finally {
      await close();
    }
  });

  it('the common shell reads of a denied file are refused and leak nothing', async () => {
    const c = makeCore();
    const dir = workdirWithSecret();
    c.policy.saveRule(DENY_SECRETS, 'test');
    const scope = { kind: 'thread' as const, threadId: 'th', turnId: 'tu', workdir: dir };
    let n = 0;
    const run = (command: string) => c.tools.invoke({ tool: 'exec_shell', arguments: { command }, callId: `r${++n}`, scope });
    for (const command of ['cat < secrets/key.txt', 'cd secrets && cat key.txt', 'grep -r TOKEN secrets', 'rg TOKEN secrets', 'sed -n p secrets/key.txt',
      'awk 1 secrets/key.txt', 'base64 secrets/key.txt', 'od -c secrets/key.txt', 'strings secrets/key.txt', 'cat -n secrets/key.txt',
      'cp secrets/key.txt src/copy.txt', 'ln -s secrets s2', 'while read l; do echo "$l"; done < secrets/key.txt', 'cat <(true) secrets/key.txt']) {
      const out = await run(command);
      expect(out, command).toMatchObject({ status: 'denied', matchedRule: 'tool=read_file path=secrets/**' });
      expect(out.output).not.toContain('do-not-leak');
    }
    expect(fs.existsSync(path.join(dir, 'src', 'copy.txt'))).toBe(false);
    // Run in a folder inside the workdir: the rule is still about the workdir's secrets/.
    const inSecrets = await c.tools.invoke({ tool: 'exec_shell', arguments: { command: 'cat key.txt', cwd: 'secrets' }, callId: `r${++n}`, scope });
    expect(inSecrets).toMatchObject({ status: 'denied', matchedRule: 'tool=read_file path=secrets/**' });
    expect(await run('sed -n 1p src/a.ts')).toMatchObject({ status: 'completed', output: 'export const a = 1;\n' });
    expect(await run('grep -r const src')).toMatchObject({ status: 'completed' });
  });

  it('ls, find and tree of a denied folder are refused and list none of its names', async () => {
    const c = makeCore();
    const dir = workdirWithSecret();
    c.policy.saveRule(DENY_SECRETS, 'test');
    const scope = { kind: 'thread' as const, threadId: 'th', turnId: 'tu', workdir: dir };
    let n = 0;
    const run = (command: string) => c.tools.invoke({ tool: 'exec_shell', arguments: { command }, callId: `l${++n}`, scope });
    for (const command of ['ls secrets', 'ls -la secrets/', 'ls -R', 'find secrets', 'find . -name "*.txt"', 'tree secrets']) {
      const out = await run(command);
      expect(out, command).toMatchObject({ status: 'denied', matchedRule: 'tool=read_file path=secrets/**' });
      expect(out.output ?? '').not.toContain('key.txt');
    }
    expect(await run('ls src')).toMatchObject({ status: 'completed', output: 'a.ts\n' });
    expect(await run('ls')).toMatchObject({ status: 'completed' });
  });

  it('the common shell writes and deletes of a write-denied folder are refused and change nothing', async () => {
    const c = makeCore();
    const dir = workdirWithSecret();
    c.policy.saveRule({ id: 'no-secret-writes', tool: 'write_file', path: 'secrets/**', action: 'deny', note: 'Keys live here.' }, 'test');
    const scope = { kind: 'thread' as const, threadId: 'th', turnId: 'tu', workdir: dir };
    let n = 0;
    const run = (command: string) => c.tools.invoke({ tool: 'exec_shell', arguments: { command }, callId: `w${++n}`, scope });
    const keyMode = fs.statSync(path.join(dir, 'secrets', 'key.txt')).mode;
    for (const command of ['echo x > secrets/key.txt', 'echo x >> secrets/key.txt', 'echo x >| secrets/key.txt', 'echo x | tee secrets/new.txt',
      'sed -i s/TOKEN/X/ secrets/key.txt', 'truncate -s 0 secrets/key.txt', 'rm secrets/key.txt', 'rm -rf secrets', 'rm -rf .', 'mv src/a.ts secrets/a.ts',
      'mv secrets/key.txt src/k.txt', 'cp src/a.ts secrets/', 'cp src/a.ts secrets/key.txt', 'touch secrets/new.txt', 'mkdir secrets/sub', 'chmod 000 secrets/key.txt',
      'dd if=src/a.ts of=secrets/key.txt', 'find secrets -delete', 'cd secrets && echo x > key.txt', 'ln -sf /etc/hostname secrets/key.txt',
      'git checkout -- secrets/key.txt', 'patch secrets/key.txt < /dev/null', 'sort -o secrets/key.txt src/a.ts', 'echo x | tee >(cat) secrets/key.txt',
      'curl -so secrets/new.txt file:///etc/hostname', 'tar -cf secrets/a.tar src', 'tar -cf src.tar src && tar -xf src.tar -C secrets']) {
      const out = await run(command);
      expect(out, command).toMatchObject({ status: 'denied', matchedRule: 'tool=write_file path=secrets/**' });
    }
    // Through a symlink to the folder, made before: judged where it lands.
    fs.symlinkSync('secrets', path.join(dir, 'link'));
    for (const command of ['echo x > link/key.txt', 'touch link/new.txt', 'rm link/key.txt']) {
      expect(await run(command), command).toMatchObject({ status: 'denied', matchedRule: 'tool=write_file path=secrets/**' });
    }
    fs.unlinkSync(path.join(dir, 'link'));
    expect(fs.readdirSync(path.join(dir, 'secrets'))).toEqual(['key.txt']);
    expect(fs.readFileSync(path.join(dir, 'secrets', 'key.txt'), 'utf8')).toBe(SECRET + '\n');
    expect(fs.statSync(path.join(dir, 'secrets', 'key.txt')).mode).toBe(keyMode);
    expect(fs.readdirSync(path.join(dir, 'src'))).toEqual(['a.ts']);
    // Writes elsewhere run, and a write rule does not stop reads.
    expect(await run('echo hi > src/out.txt && rm src/out.txt')).toMatchObject({ status: 'completed' });
    expect(await run('cat secrets/key.txt')).toMatchObject({ status: 'completed', output: SECRET + '\n' });
  });

  it('a rule about .env files anywhere does not refuse every cp and mv, only those of an .env', async () => {
    const c = makeCore();
    const dir = workdirWithSecret();
    fs.writeFileSync(path.join(dir, '.env'), SECRET + '\n');
    c.policy.saveRule({ id: 'no-dotenv', tool: 'read_file', path: '**/.env', action: 'deny' }, 'test');
    const scope = { kind: 'thread' as const, threadId: 'th', turnId: 'tu', workdir: dir };
    const run = (command: string, id: string) => c.tools.invoke({ tool: 'exec_shell', arguments: { command }, callId: id, scope });
    expect(await run('cp src/a.ts src/b.ts && mv src/b.ts src/c.ts', 'e1')).toMatchObject({ status: 'completed' });
    expect(fs.existsSync(path.join(dir, 'src', 'c.ts'))).toBe(true);
    expect(await run('cp .env src/e.txt', 'e2')).toMatchObject({ status: 'denied', matchedRule: 'tool=read_file path=**/.env' });
    expect(fs.existsSync(path.join(dir, 'src', 'e.txt'))).toBe(false);
  });

  it('an absolute path rule does not break the judging of searches', async () => {
    const c = makeCore();
    const dir = workdirWithSecret();
    c.policy.saveRule({ id: 'no-ssh-keys', tool: 'read_file', path: '/home/*/.ssh/**', action: 'deny' }, 'test');
    const scope = { kind: 'thread' as const, threadId: 'th', turnId: 'tu', workdir: dir };
    const { ask, close } = await promptTool(c, dir, 'run-abs');
    try {
      expect(await ask('Grep', { pattern: 'x', path: 'src' })).toMatchObject({ behavior: 'allow' });
      expect(await ask('Grep', { pattern: 'x', path: '/home/me/.ssh' })).toMatchObject({ behavior: 'deny' });
    } finally {
      await close();
    }
    expect(await c.tools.invoke({ tool: 'exec_shell', arguments: { command: 'cat src/*' }, callId: 'a3', scope })).toMatchObject({ status: 'completed', output: 'export const a = 1;\n' });
  });

  it("Claude's file tools take a relative path from the folder its shell is in", async () => {
    const c = makeCore();
    const dir = workdirWithSecret();
    c.policy.saveRule(DENY_SECRETS, 'test');
    const session = await c.tools.openAttempt({
      scope: { kind: 'task', runId: 'run-hook-cwd', taskId: 't', attempt: 1, workdir: dir }, metadata: {}, env: {}, record: () => {},
    });
    const hookUrl = hookUrlOf(session.url);
    let n = 0;
    const hook = async (tool_name: string, tool_input: Record<string, unknown>, cwd: string) => {
      const r = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool_name, tool_input, tool_use_id: `toolu_h${++n}`, cwd }) });
      return ((await r.json()) as { hookSpecificOutput: { permissionDecision: string } }).hookSpecificOutput.permissionDecision;
    };
    try {
      const secrets = path.join(dir, 'secrets');
      expect(await hook('Bash', { command: 'cat key.txt' }, secrets)).toBe('deny');
      expect(await hook('Read', { file_path: 'key.txt' }, secrets)).toBe('deny');
      expect(await hook('Grep', { pattern: 'TOKEN' }, secrets)).toBe('deny');
      expect(await hook('Write', { file_path: 'new.txt', content: 'x' }, secrets)).toBe('allow'); // no write rule here
      // From src, a search of its own folder holds no secrets; the same names from the workdir do.
      const src = path.join(dir, 'src');
      expect(await hook('Grep', { pattern: 'TOKEN' }, src)).toBe('allow');
      expect(await hook('Bash', { command: 'cat a.ts' }, src)).toBe('allow');
      expect(await hook('Grep', { pattern: 'TOKEN' }, dir)).toBe('deny');
    } finally {
      session.close();
    }
  });

  it('an allow rule covers a folder search only when it covers the whole folder', () => {
    const layers = [{ layer: 'user' as const, rules: [{ id: 'src-ok', tool: 'read_file', path: 'src/**', action: 'allow' as const }] }, { layer: 'default' as const, rules: DEFAULT_RULES.filter((r) => r.tool !== 'read_file') }];
    const grep = (p: string) => evaluatePolicy({ tool: 'read_file', path: p, folder: true, cwd: '/w' }, layers, 'untrusted');
    expect(grep('src')).toMatchObject({ action: 'allow', ruleId: 'src-ok' });
    expect(grep('src/lib')).toMatchObject({ action: 'allow', ruleId: 'src-ok' });
    expect(grep('.')).toMatchObject({ action: 'ask', ruleId: null });
  });
});
