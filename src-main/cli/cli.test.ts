// The `shoal` command as a user runs it: real process, real files, output checked against the
// reference implementation's wire schemas.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FleetReceiptSchema, FleetRunSchema, FleetWorkerEventSchema } from '../../src-shared/protocol/fleet';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { repoRoot, runCli, startCli } from './test-support/cli';

const example = (name: string) => path.join(repoRoot, 'examples', name);

function lastJson(stdout: string): { run: Record<string, unknown>; receipts: Array<Record<string, unknown>> } {
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('shoal validate', () => {
  it('accepts every example', async () => {
    for (const f of fs.readdirSync(path.join(repoRoot, 'examples')).filter((n) => /\.(ya?ml|json|toml)$/.test(n))) {
      const r = await runCli(['validate', example(f)]);
      expect(r.code, `${f}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });

  it('lists every problem by field path, exits 2 and writes nothing', async () => {
    const dir = tempDir();
    const spec = path.join(dir, 'bad.yaml');
    fs.writeFileSync(spec, [
      'task_specs:',
      '  - { id: a, name: A, instructions: x, scorer: { kind: regex_match, path: out.txt } }',
      '  - { id: b, name: B, instructions: y, timeout_seconds: 1.5 }',
      '  - { id: c, name: C, instructions: z, scorer: { kind: telepathy } }',
    ].join('\n'));
    const r = await runCli(['validate', spec], { env: { SHOAL_HOME: dir } });
    expect(r.code).toBe(2);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain('task_specs[0].scorer.pattern: required');
    expect(lines.some((l) => l.startsWith('task_specs[1].timeout_seconds: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('task_specs[2].scorer.kind: ') && l.includes('regex_match'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'shoal.db'))).toBe(false);
  });

  it('checks meaning as well as shape', async () => {
    const dir = tempDir();
    const spec = path.join(dir, 'bad.json');
    fs.writeFileSync(spec, JSON.stringify([
      { id: 'a', name: 'A', instructions: 'x', scorer: { kind: 'file_exists', path: '../../etc/passwd' } },
      { id: 'a', name: 'dup', instructions: 'x', metadata: { agent: 'gpt-pilot' } },
      { id: 'b', name: 'B', instructions: 'x', scorer: { kind: 'regex_match', path: 'o', pattern: '(' } },
    ]));
    const r = await runCli(['validate', spec]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('task_specs[0].scorer.path: "../../etc/passwd" leaves the task workdir');
    expect(r.stdout).toContain('task_specs[1].id: duplicate id "a" (also task_specs[0])');
    expect(r.stdout).toContain('task_specs[1].metadata.agent: unknown agent "gpt-pilot"');
    expect(r.stdout).toContain('task_specs[2].scorer.pattern: not a valid regular expression');
  });

  it('refuses, by field path, docker options a spec\'s worker would be refused at run time', async () => {
    const dir = tempDir();
    const spec = path.join(dir, 'docker.yaml');
    fs.writeFileSync(spec, [
      'worker_specs:',
      '  - { id: d, name: D, host: { kind: docker, image: "localhost/x:1", args: ["-e", "A=1", "--privileged"] }, capabilities: [] }',
      '  - { id: e, name: E, host: { kind: docker, image: "localhost/x:1", args: ["-v"] }, capabilities: [] }',
      'task_specs:',
      '  - { id: a, name: A, instructions: echo a }',
    ].join('\n'));
    const r = await runCli(['validate', spec]);
    expect(r.code).toBe(2);
    expect(r.stdout.trim().split('\n')).toEqual([
      'worker_specs[0].host.args: docker option --privileged is not supported (use -e/--env, -v/--volume, -u/--user)',
      'worker_specs[1].host.args: docker option -v needs a value',
    ]);
  });

  it('explains unreadable and malformed files', async () => {
    expect((await runCli(['validate', '/nonexistent/spec.yaml'])).stderr).toContain('no such file');
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'x.json'), '{"task_specs": [');
    const r = await runCli(['validate', path.join(dir, 'x.json')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^\(root\): not valid JSON/);
  });

  it('judges --workspace as the launch preview does: a missing folder is a problem, a plain one a warning', async () => {
    const dir = tempDir();
    const missing = await runCli(['validate', example('hello.yaml'), '--workspace', 'nowhere'], { cwd: dir, env: { SHOAL_HOME: dir } });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain(`workspace: there is no folder at ${path.join(dir, 'nowhere')}`);
    const plain = await runCli(['validate', example('hello.yaml'), '--workspace', dir], { env: { SHOAL_HOME: dir } });
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain(`warning: workspace: ${dir} is not a git repository`);
  });
});

describe('shoal run', () => {
  it('runs the hello example to passing receipts and prints wire JSON', async () => {
    const dir = tempDir();
    const db = path.join(dir, 's.db');
    const r = await runCli(['run', example('hello.yaml'), '--db', db, '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson(r.stdout);
    const run = FleetRunSchema.parse(out.run);
    expect(run.status).toBe('completed');
    expect(run.task_specs.map((t) => t.id)).toEqual(['greet', 'count', 'write-file']);
    const receipts = out.receipts.map((x) => FleetReceiptSchema.parse(x));
    expect(receipts.map((x) => x.result)).toEqual(['pass', 'pass', 'pass']);
    expect(r.stderr).toMatch(/TASK\s+RESULT\s+ATTEMPTS/);

    const runs = await runCli(['runs', '--json', '--db', db]);
    expect((JSON.parse(runs.stdout) as unknown[]).map((x) => FleetRunSchema.parse(x).id)).toEqual([run.id]);
    const events = await runCli(['events', run.id, '--json', '--db', db]);
    const parsed = events.stdout.trim().split('\n').map((l) => FleetWorkerEventSchema.parse(JSON.parse(l)));
    expect(parsed.map((e) => Number(e.seq))).toEqual(parsed.map((_, i) => i + 1));
    const receiptsCmd = await runCli(['receipts', run.id, '--json', '--db', db]);
    expect((JSON.parse(receiptsCmd.stdout) as unknown[]).length).toBe(3);
  });

  it('exits 1 when a task does not pass, and shows why', async () => {
    const dir = tempDir();
    const r = await runCli(['run', example('timeout.json'), '--db', path.join(dir, 's.db'), '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(lastJson(r.stdout).receipts[0]).toMatchObject({ result: 'timeout' });
    expect(r.stderr).toContain('timed out after 1s');
  });

  it('passes a flaky task on retry', async () => {
    const dir = tempDir();
    const r = await runCli(['run', example('flaky-retry.yaml'), '--db', path.join(dir, 's.db'), '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r.stdout).receipts.map((x) => x.result)).toEqual(['fail', 'pass']);
  });

  it('scores with every scorer kind', async () => {
    const dir = tempDir();
    const r = await runCli(['run', example('scorers.toml'), '--db', path.join(dir, 's.db'), '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const receipts = lastJson(r.stdout).receipts;
    expect(receipts.find((x) => x.task_id === 'json-score')).toMatchObject({ score: { value: 87.5 } });
    const report = (receipts.find((x) => x.task_id === 'regex')!.artifacts as Array<{ kind: string }>).map((a) => a.kind);
    expect(report).toEqual(expect.arrayContaining(['log', 'report']));
  });

  it('leaves a manual-review task waiting and lets a person decide from the CLI', async () => {
    const dir = tempDir();
    const db = path.join(dir, 's.db');
    const r = await runCli(['run', example('manual-review.yaml'), '--db', db, '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('waiting for review');
    const runId = String(lastJson(r.stdout).run.id);
    const review = await runCli(['review', runId, 'changelog', '--pass', '--notes', 'reads well', '--db', db]);
    expect(review.code, review.stderr).toBe(0);
    const receipts = JSON.parse((await runCli(['receipts', runId, '--json', '--db', db])).stdout) as Array<Record<string, unknown>>;
    expect(receipts).toMatchObject([{ result: 'pass', score: { notes: 'reads well' } }]);
  });

  it('reports a task no worker can take instead of waiting forever', async () => {
    const dir = tempDir();
    const r = await runCli(['run', example('priorities.yaml'), '--db', path.join(dir, 's.db')], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('needs-gpu was never run: no worker offers "gpu"');
    // The run is not over: the next Shoal on this store (the app, another `shoal run`) runs it
    // once a worker can take it, so the person is told, with how to continue it themselves.
    const runId = /^run (\S+)$/m.exec(r.stderr)![1]!;
    expect(r.stderr).toContain(`run ${runId} stays open with 1 waiting task: once a worker can take it, continue with: shoal resume ${runId} --db ${path.join(dir, 's.db')}`);
  });

  it('ends, naming the worker and why, when a spec\'s worker cannot be used at all (a Docker host URL it cannot read)', async () => {
    const dir = tempDir();
    const spec = path.join(dir, 'docker.yaml');
    fs.writeFileSync(spec, [
      'name: unusable docker',
      'worker_specs:',
      '  - { id: d, name: dock, host: { kind: docker, image: "localhost/none:1" }, capabilities: [dd] }',
      'task_specs:',
      '  - { id: a, name: A, instructions: echo a, metadata: { requires: [dd] } }',
    ].join('\n'));
    const r = await runCli(['run', spec, '--db', path.join(dir, 's.db')], { cwd: dir, env: { DOCKER_HOST: 'bogus://x' }, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('a was never run: waiting for a worker that can be reached: worker dock: docker host bogus://x: expected unix://');
  });

  it('runs at most --max-workers tasks at once', async () => {
    const dir = tempDir();
    const tasks = ['a', 'b', 'c'].map((id) => ({ id, name: id, instructions: 'sleep 0.3' }));
    fs.writeFileSync(path.join(dir, 'three.json'), JSON.stringify({ name: 'three', task_specs: tasks }));
    const peak = async (workers: string): Promise<number> => {
      const r = await runCli(['run', path.join(dir, 'three.json'), '--db', path.join(dir, `${workers}.db`), '--max-workers', workers, '--json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const runId = String(lastJson(r.stdout).run.id);
      const events = (await runCli(['events', runId, '--json', '--db', path.join(dir, `${workers}.db`)])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { state: string });
      // Attempts in flight at once, from the timeline: +1 at each lease, -1 at each end.
      let now = 0;
      let most = 0;
      for (const e of events) {
        if (e.state === 'leased') most = Math.max(most, ++now);
        if (e.state === 'completed' || e.state === 'failed') now--;
      }
      return most;
    };
    expect(await peak('1')).toBe(1);
    expect(await peak('3')).toBe(3);
  });

  it('refuses a --workspace that is not there before touching the store, rather than running in scratch folders', async () => {
    const dir = tempDir();
    const r = await runCli(['run', example('hello.yaml'), '--workspace', path.join(dir, 'nowhere')], { env: { SHOAL_HOME: path.join(dir, 'home') } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`workspace: there is no folder at ${path.join(dir, 'nowhere')}`);
    expect(fs.existsSync(path.join(dir, 'home'))).toBe(false);
  });

  it('rejects an invalid spec with exit 2 before touching the store', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'bad.json'), '[{"id": "x"}]');
    const r = await runCli(['run', path.join(dir, 'bad.json'), '--db', path.join(dir, 's.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('task_specs[0].name: required');
    expect(fs.existsSync(path.join(dir, 's.db'))).toBe(false);
  });

  it('explains usage errors', async () => {
    expect((await runCli(['run'])).code).toBe(2);
    expect((await runCli(['run', example('hello.yaml'), '--max-workers', 'lots'])).stderr).toContain('--max-workers: expected an integer');
    expect((await runCli(['frobnicate'])).stderr).toContain('unknown command "frobnicate"');
  });

  it('says which --db is not a store, and why, with exit 2, touching nothing', async () => {
    const dir = tempDir('shoal-cli-db-');
    const folder = await runCli(['runs', '--db', dir]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain(`the store ${dir} is a folder; give the database file in it (such as ${path.join(dir, 'shoal.db')})`);
    const other = path.join(dir, 'notes.txt');
    fs.writeFileSync(other, 'not a database, but long enough to have a header of its own '.repeat(4));
    const notDb = await runCli(['runs', '--db', other]);
    expect(notDb.code).toBe(2);
    expect(notDb.stderr).toContain(`the store ${other} is not a SQLite database`);
    expect(fs.readFileSync(other, 'utf8')).toMatch(/^not a database/);
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('ends quietly when the reader of its output goes away (`shoal runs | head -1`)', async () => {
    const child = startCli(['--help']);
    child.stdout!.destroy(); // closed before the command has written anything: every write meets EPIPE
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    child.stdin!.end();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('shoal serve', () => {
  it('refuses a --port or --agents-listen address another program holds, naming the flag, and prints no UI address', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const dir = tempDir();
      const ui = await runCli(['serve', '--port', String(port), '--db', path.join(dir, 's.db')], { timeoutMs: 30_000 });
      expect(ui.code).toBe(2);
      expect(ui.stderr).toBe(`shoal serve: --port: 127.0.0.1:${port} is already in use by another program\n`);
      const agents = await runCli(['serve', '--port', '0', '--agents-listen', `127.0.0.1:${port}`, '--db', path.join(dir, 's.db')], { timeoutMs: 30_000 });
      expect(agents.code).toBe(2);
      expect(agents.stderr).toContain(`--agents-listen: 127.0.0.1:${port} is already in use by another program`);
      expect(agents.stdout).not.toContain('Shoal UI:');
    } finally {
      taken.close();
    }
  });
});

describe('shoal run --server', () => {
  it('gives up on a host that takes the connection but never answers, after 15 s, without printing the token', async () => {
    const silent = net.createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const r = await runCli(['run', example('hello.yaml'), '--server', `http://127.0.0.1:${port}/?token=secret-token-value`], { timeoutMs: 45_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot reach 127.0.0.1:${port}: no answer within 15 s`);
      expect(r.stderr).not.toContain('secret-token-value');
      expect(Date.now() - started).toBeLessThan(40_000);
    } finally {
      silent.close();
    }
  }, 60_000);
});

describe('shoal agent', () => {
  it('keeps its data under ~/.shoal/agent when SHOAL_HOME is set but empty, as the store does, not in ./agent', async () => {
    const home = tempDir();
    const cwd = tempDir();
    const child = startCli(['agent', '--join', 'ws://127.0.0.1:1', '--token', 'shoal_jt_x'], { cwd, env: { SHOAL_HOME: '', HOME: home } });
    try {
      await waitFor('the agent\'s data folder', () => fs.existsSync(path.join(home, '.shoal', 'agent')), 20_000);
      expect(fs.readdirSync(cwd)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('flags', () => {
  it('every command answers --help, and refuses a flag it does not have by name', async () => {
    const help = await runCli(['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: shoal run SPEC [options]');
    expect(help.stdout).toMatch(/--workspace DIR/);
    const typo = await runCli(['runs', '--jsn']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('shoal runs: unknown option --jsn; see `shoal runs --help`\n');
  });
});
