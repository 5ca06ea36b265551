// Flags and arguments a person plausibly gets wrong, through the real `shoal` command: each is
// refused with exit 2 by name, before anything is written or run (found by trying them all; each
// case here was accepted, ignored, or answered with Node's or SQLite's words before).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../core/test-support/temp-core';
import { runCli } from './test-support/cli';

function home(): { dir: string; env: NodeJS.ProcessEnv; db: string } {
  const dir = tempDir();
  return { dir, env: { SHOAL_HOME: dir }, db: path.join(dir, 'shoal.db') };
}

describe('bad flags and arguments', () => {
  it('an empty value is refused by its flag, not read as the flag left out (`land --into ""` landed on the current branch)', async () => {
    const { env, db } = home();
    for (const args of [['land', 'r1', '--into', ''], ['runs', '--db', ''], ['run', 'x.yaml', '--workspace', ' '], ['events', 'r1', '--task', '']]) {
      const r = await runCli(args, { env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`--${args.find((a) => a.startsWith('--'))!.slice(2)}: empty; give `));
    }
    expect(fs.existsSync(db)).toBe(false);
  });

  it('one argument too many for a subcommand is refused, and the first is not acted on alone', async () => {
    const { env } = home();
    expect((await runCli(['hooks', 'add', 'h1', '--event', 'run.state', '--command', 'true'], { env })).code).toBe(0);
    const r = await runCli(['hooks', 'remove', 'h1', 'h2'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('remove takes at most 1 argument (got 2: h1 h2)');
    expect((await runCli(['hooks', 'list'], { env })).stdout).toMatch(/^h1 /);
    const config = await runCli(['alerts', 'config', '{"approval_escalate_minutes": 5}', '{"approval_escalate_minutes": 9}'], { env });
    expect(config.code).toBe(2);
    expect(config.stderr).toContain('config takes at most 1 argument (got 2');
  });

  it('a hook id already taken is refused unless --replace says so; its URL hook is not silently dropped', async () => {
    const { env } = home();
    expect((await runCli(['hooks', 'add', 'h9', '--event', 'run.state', '--url', 'https://hooks.example/a', '--secret', 'abc'], { env })).code).toBe(0);
    const again = await runCli(['hooks', 'add', 'h9', '--event', 'task.state', '--command', 'echo hi'], { env });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('a hook "h9" already exists; give --replace to replace it');
    expect((await runCli(['hooks', 'list'], { env })).stdout).toContain('https://hooks.example/… (signed)');
    expect((await runCli(['hooks', 'add', 'h9', '--event', 'task.state', '--command', 'echo hi', '--replace'], { env })).code).toBe(0);
    expect((await runCli(['hooks', 'list'], { env })).stdout).toMatch(/^h9 +command +task\.state +echo hi/);
    const timeout = await runCli(['hooks', 'add', 'h2', '--event', 'run.state', '--command', 'true', '--timeout', 'abc'], { env });
    expect(timeout.stderr).toContain('--timeout: expected an integer from 1 to 600, got "abc"');
  });

  it('`shoal agent` refuses a join address, CA file or data folder it cannot use, by flag, and makes no store', async () => {
    const { dir, env } = home();
    const file = path.join(dir, 'afile');
    fs.writeFileSync(file, 'x');
    fs.writeFileSync(path.join(dir, 'bad.pem'), 'not a certificate');
    const cases: Array<[string[], string]> = [
      [['--join', 'ws://127.0.0.1:99999'], '--join: "ws://127.0.0.1:99999" is not ws://HOST:PORT or wss://HOST:PORT'],
      [['--join', 'ws://127.0.0.1:1', '--ca', path.join(dir, 'none.pem')], `--ca: there is no file at ${path.join(dir, 'none.pem')}`],
      [['--join', 'ws://127.0.0.1:1', '--ca', dir], `--ca: ${dir} is not a file`],
      [['--join', 'ws://127.0.0.1:1', '--ca', path.join(dir, 'bad.pem')], 'holds no PEM certificate'],
      [['--join', 'ws://127.0.0.1:1', '--data-dir', path.join(file, 'sub')], `--data-dir: ${path.join(file, 'sub')} cannot be made: ${file} is a file, not a folder`],
      [['--join', 'ws://127.0.0.1:1', '--workspace', file], `--workspace: ${file} is a file, not a folder`],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['agent', '--token', 'x', ...args], { env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(fs.existsSync(path.join(dir, 'agent'))).toBe(false);
  });

  it('`shoal agent-token` mints nothing for an address, name or capability an agent could not use', async () => {
    const { env, db } = home();
    for (const [args, message] of [
      [['--url', 'notaurl'], '--url: "notaurl" is not ws://HOST:PORT or wss://HOST:PORT'],
      [['--url', 'ws://127.0.0.1:99999'], '--url: "ws://127.0.0.1:99999" is not'],
      [['--url', 'ws://127.0.0.1:7071', '--capabilities', 'a b,!!'], '--capabilities: "a b" must be'],
      [['--url', 'ws://127.0.0.1:7071', '--name', 'x'.repeat(70)], `--name: "${'x'.repeat(70)}" must be 1-64 letters`],
    ] as Array<[string[], string]>) {
      const r = await runCli(['agent-token', ...args], { env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
    }
    expect(fs.existsSync(db)).toBe(false);
  });

  it('bad numbers and stores are refused before a run starts: --alerts-wait, hexadecimal counts, a store path through a file or at a device', async () => {
    const { dir, env, db } = home();
    const spec = path.join(dir, 'one.yaml');
    fs.writeFileSync(spec, 'task_specs:\n  - { id: a, name: A, instructions: echo a }\n');
    const wait = await runCli(['run', spec, '--alerts-wait', 'abc'], { env });
    expect(wait.code).toBe(2);
    expect(wait.stderr).toContain('--alerts-wait: expected an integer from 0 to 86400, got "abc"');
    expect(wait.stderr).not.toContain('passed');
    expect(fs.existsSync(db)).toBe(false);
    expect((await runCli(['run', spec, '--max-workers', '0x10'], { env })).stderr).toContain('--max-workers: expected an integer from 1 to 1024, got "0x10"');
    const file = path.join(dir, 'afile');
    fs.writeFileSync(file, 'x');
    const through = await runCli(['runs', '--db', path.join(file, 'x.db')], { env });
    expect(through.code).toBe(2);
    expect(through.stderr).toContain(`the store ${path.join(file, 'x.db')} cannot be made: ${file} is a file, not a folder`);
    const device = await runCli(['runs', '--db', '/dev/null'], { env });
    expect(device.code).toBe(2);
    expect(device.stderr).toContain('the store /dev/null is not a regular file');
    expect(fs.existsSync('/dev/null-journal')).toBe(false);
  });

  it('a flag that means nothing where it is given is refused, naming the flag it needs or clashes with', async () => {
    const { dir, env, db } = home();
    const spec = path.join(dir, 'one.yaml');
    fs.writeFileSync(spec, 'task_specs:\n  - { id: a, name: A, instructions: echo a }\n');
    const cases: Array<[string[], string]> = [
      [['run', spec, '--token', 'abc'], '--token works only with --server'],
      [['run', spec, '--server', 'http://127.0.0.1:9/', '--db', db], '--db has no effect with --server'],
      [['run', spec, '--server', 'http://127.0.0.1:9/', '--alerts-wait', '5'], '--alerts-wait has no effect with --server'],
      [['serve', '--tls-cert', path.join(dir, 'c.pem')], '--tls-cert works only with --agents-listen'],
      [['workers', 'add', 'w', '--ssh', 'h', '--docker', 'img'], 'worker w: choose one of --ssh and --docker'],
      [['workers', 'add', 'w', '--ssh', 'h', '--docker-host', 'unix:///x.sock'], 'worker w: --docker-host is for a --docker worker'],
      [['workers', 'add', 'w', '--local', 'extra'], 'worker w: extra: only a --docker worker takes more arguments'],
      [['land', 'nope'], 'shoal land: no run "nope"'],
      [['alerts', 'config', '{bad'], 'config expects a JSON object'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, { env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
    }
    const twoLines = await runCli(['agent-key', 'set', 'anthropic'], { env, input: 'sk-ant-one\nsk-ant-two\n' });
    expect(twoLines.code).toBe(2);
    expect(twoLines.stderr).toContain('spans more than one line');
    expect((await runCli(['agent-key'], { env })).stdout).toMatch(/^anthropic +ANTHROPIC_API_KEY +unset$/m);
  });

  it('a task or run named for a filter that the store does not have is said, not an empty listing with exit 0', async () => {
    const { dir, env } = home();
    const spec = path.join(dir, 'one.yaml');
    fs.writeFileSync(spec, 'id: r1\ntask_specs:\n  - { id: a, name: A, instructions: echo a }\n');
    expect((await runCli(['run', spec], { env })).code).toBe(0);
    const events = await runCli(['events', 'r1', '--task', 'nope'], { env });
    expect(events.code).toBe(2);
    expect(events.stderr).toContain('--task: no task "nope" in run "r1"');
    const alerts = await runCli(['alerts', '--run', 'nope'], { env });
    expect(alerts.code).toBe(2);
    expect(alerts.stderr).toContain('--run: no run "nope"');
  });
});
