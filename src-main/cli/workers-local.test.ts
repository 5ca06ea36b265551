// `shoal workers add NAME --local`: this computer as a worker of its own name, capabilities and
// limit. Tested like any host (git, agent CLIs, CPUs, memory, OS), kept, and given the tasks that
// require what only it offers — a real `shoal run` on a real store, real processes.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../core/test-support/temp-core';
import { runCli } from './test-support/cli';

describe('shoal workers add --local', () => {
  it('keeps this computer as a worker of its own, which takes the tasks that require its capability', async () => {
    const dir = tempDir('shoal-workers-local-');
    const db = path.join(dir, 'shoal.db');
    const added = await runCli(['workers', 'add', 'gpu', '--local', '--capabilities', 'gpu', '--max-tasks', '1', '--json', '--db', db]);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ name: 'gpu', ok: true, where: 'this computer', git: expect.any(String), cpus: expect.any(Number), os: expect.any(String) });
    const listed = JSON.parse((await runCli(['workers', 'list', '--json', '--db', db])).stdout) as Array<Record<string, unknown>>;
    expect(listed).toEqual([expect.objectContaining({ name: 'gpu', capabilities: ['gpu'] })]);

    const spec = path.join(dir, 'spec.yaml');
    fs.writeFileSync(spec, [
      'name: needs gpu',
      'task_specs:',
      '  - { id: train, name: Train, instructions: echo trained, metadata: { requires: [gpu] } }',
    ].join('\n'));
    const run = await runCli(['run', spec, '--json', '--db', db], { cwd: dir, env: { SHOAL_HOME: dir } });
    expect(run.code, run.stderr).toBe(0);
    const receipts = await runCli(['receipts', (JSON.parse(run.stdout.trim().split('\n').pop()!) as { run: { id: string } }).run.id, '--json', '--db', db]);
    expect(JSON.parse(receipts.stdout)).toEqual([expect.objectContaining({ task_id: 'train', worker_id: 'gpu', result: 'pass' })]);
  });

  it('lists kept workers in columns as wide as their longest entry', async () => {
    const dir = tempDir('shoal-workers-local-cols-');
    const db = path.join(dir, 'shoal.db');
    for (const [name, caps] of [['a', 'gpu'], ['a-much-longer-name-than-twenty', 'cuda,fast-disk']] as const) {
      const r = await runCli(['workers', 'add', name, '--local', '--capabilities', caps, '--db', db]);
      expect(r.code, r.stderr).toBe(0);
    }
    const lines = (await runCli(['workers', 'list', '--db', db])).stdout.trimEnd().split('\n');
    expect(lines).toEqual([
      'a                               this computer  gpu             max auto',
      'a-much-longer-name-than-twenty  this computer  cuda,fast-disk  max auto',
    ]);
  });

  it('takes only what a local worker can use: no key, Docker host or container arguments', async () => {
    const dir = tempDir('shoal-workers-local-bad-');
    const db = path.join(dir, 'shoal.db');
    for (const extra of [['--identity', '/nonexistent'], ['--docker-host', 'unix:///x.sock'], ['--accept-new-host-key'], ['--', '-e', 'A=1'], ['--ssh', 'me@box']]) {
      const r = await runCli(['workers', 'add', 'here2', '--local', ...extra, '--db', db]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr, extra.join(' ')).toMatch(/--local takes only|choose one of --ssh and --local|only a --docker worker takes more arguments/);
    }
    expect(JSON.parse((await runCli(['workers', 'list', '--json', '--db', db])).stdout)).toEqual([]);
  });
});
