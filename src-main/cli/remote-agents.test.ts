// Remote agents end to end, with real processes on loopback: a `shoal serve --agents-listen`
// control plane, `shoal agent` workers that join with one-time tokens, tasks leased to them, their
// results (events, artifacts, the result branch) back in the control plane's store and repository,
// an agent killed with SIGKILL mid-task whose work another agent finishes, refused tokens and
// frames, and TLS with a self-signed certificate made here.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import selfsigned from 'selfsigned';
import { describe, expect, it } from 'vitest';
import type { WorkerRow } from '../../src-shared/contract';
import { parseControlMessage, WORKER_PROTOCOL_VERSION } from '../../src-shared/protocol/worker-protocol';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { runCli } from './test-support/cli';
import { launchOnAgents, mintToken, openRawAgent, query, rawHello, spawnCli, startAgent, startControlPlane, stop, trackProcs, uiCall, waitForRun } from './test-support/control-plane';

const track = trackProcs();

/** A git command's output in `cwd`. */
const gitOut = (cwd: string, args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });

function gitRepo(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  git('init', '-q');
  fs.writeFileSync(path.join(dir, 'README.md'), '# project\n');
  git('add', '.');
  git('commit', '-q', '-m', 'init');
  return dir;
}



function expectContiguous(db: string, runId: string): void {
  const seqs = query<{ seq: number }>(db, 'SELECT seq FROM worker_events WHERE run_id = ? ORDER BY seq', runId).map((r) => r.seq);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
}

/** The steps of the run's tool calls, in order, each as call id, kind and phase. */
function toolSteps(db: string, runId: string): string[] {
  return query<{ body: string }>(db, `SELECT body FROM worker_events WHERE run_id = ? AND state = 'running_tool' ORDER BY seq`, runId)
    .map((r) => JSON.parse(r.body) as { call_id: string; extra: { kind: string; phase: string } })
    .map((e) => `${e.call_id} ${e.extra.kind}:${e.extra.phase}`);
}

describe('remote agents', () => {
  it('join with a one-time token, run a task from a git workspace, and send back events, artifacts and the branch', async () => {
    const dir = tempDir('shoal-remote-');
    const db = path.join(dir, 'cp.db');
    const ws = gitRepo(path.join(dir, 'workspace'));
    const cp = track(await startControlPlane(db, dir, ['--heartbeat-seconds', '1']));
    const minted = await mintToken(db, dir, ['--name', 'builder-1', '--capabilities', 'gpu']);
    expect(minted.url).toBe(cp.agentsUrl);
    expect(minted.command).toBe(`shoal agent --join ${cp.agentsUrl} --token ${minted.token} --name builder-1`);
    // Only the hash is stored.
    expect(JSON.stringify(query(db, 'SELECT * FROM agent_join_tokens'))).not.toContain(minted.token);

    const agent = track(await startAgent(minted.url, minted.token, path.join(dir, 'agent-1'), dir, ['--max-tasks', '2']));
    const workers = await runCli(['workers', 'list', '--db', db], { cwd: dir });
    expect(workers.stdout).toMatch(/builder-1\s+remote agent agent-\w+ \(online, 0 running\)\s.*gpu/);
    // What its machine has, as it found it when it connected (this computer here), on its row.
    const rows = await uiCall<WorkerRow[]>(cp.uiUrl, 'workers.list', {});
    const facts = rows.find((r) => r.name === 'builder-1')?.agent?.facts;
    expect(facts).toMatchObject({ cpus: os.cpus().length, memoryMb: Math.round(os.totalmem() / 2 ** 20), os: `${os.type()} ${os.release()}` });
    expect(facts?.git).toMatch(/^\d+\.\d+/);
    const listedWorkers = JSON.parse((await runCli(['workers', 'list', '--json', '--db', db], { cwd: dir })).stdout) as Array<{ name: string; facts: { cpus: number; memory_mb: number } | null }>;
    expect(listedWorkers.find((w) => w.name === 'builder-1')?.facts).toMatchObject({ cpus: os.cpus().length, memory_mb: facts!.memoryMb });

    const runId = await launchOnAgents(cp.uiUrl, {
      name: 'remote work',
      task_specs: [{
        id: 'edit', name: 'edit', instructions: 'echo working; echo "from the agent" > NOTES.md', scorer: { kind: 'file_exists', path: 'NOTES.md' },
        metadata: { requires: ['gpu'] },
      }],
    }, ws);
    expect(await waitForRun(db, runId)).toBe('completed');
    const agentId = query<{ id: string }>(db, 'SELECT id FROM remote_agents')[0]!.id;
    const receipts = query<{ worker_id: string; body: string }>(db, 'SELECT worker_id, body FROM receipts WHERE run_id = ?', runId);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]!.worker_id).toBe(agentId);
    // Artifacts were uploaded, checked and stored on the control plane, under its data dir.
    const artifacts = (JSON.parse(receipts[0]!.body) as { artifacts: Array<{ kind: string; path: string }> }).artifacts;
    expect(artifacts.map((a) => a.kind).sort()).toEqual(['log', 'patch']);
    for (const a of artifacts) expect(a.path.startsWith(dir)).toBe(true);
    expect(fs.readFileSync(artifacts.find((a) => a.kind === 'log')!.path, 'utf8')).toContain('working');
    // The result branch arrived in the workspace repository, with the agent's commit on it.
    const show = gitOut(ws, ['show', `shoal/${runId}/edit:NOTES.md`]);
    expect(show).toBe('from the agent\n');
    expectContiguous(db, runId);

    // `shoal run --server`: submitted to the running host, run by its agent, followed from here.
    const specFile = path.join(dir, 'second.json');
    fs.writeFileSync(specFile, JSON.stringify({ name: 'via server', task_specs: [{ id: 'again', name: 'again', instructions: 'echo again > again.txt', scorer: { kind: 'file_exists', path: 'again.txt' }, metadata: { requires: ['gpu'] } }] }));
    const submitted = await runCli(['run', specFile, '--server', cp.uiUrl, '--workspace', ws, '--json'], { cwd: dir });
    expect(submitted.stderr).toMatch(/TASK\s+RESULT/);
    expect(submitted.code).toBe(0);
    const out = JSON.parse(submitted.stdout) as { run: { id: string; status: string }; receipts: Array<{ worker_id: string; result: string }> };
    expect(out.run.status).toBe('completed');
    expect(out.receipts).toMatchObject([{ worker_id: agentId, result: 'pass' }]);
    // The embedded `shoal run --json` format: a FleetRun as `shoal runs --json` prints it, and FleetReceipts.
    const listed = JSON.parse((await runCli(['runs', '--json', '--db', db], { cwd: dir })).stdout) as Array<{ id: string }>;
    expect(out.run).toEqual(listed.find((r) => r.id === out.run.id));
    expect(Object.keys(out.run)).toEqual(expect.arrayContaining(['id', 'name', 'status', 'task_specs', 'worker_specs', 'labels', 'created_at']));
    expect(Object.keys(out.receipts[0]!)).toEqual(['run_id', 'task_id', 'worker_id', 'completed_at', 'result', 'artifacts', 'score']);
    const badToken = await runCli(['run', specFile, '--server', cp.uiUrl.replace(/token=[^&]+/, 'token=wrong')], { cwd: dir });
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toContain('wrong token');
    expect(badToken.stderr).not.toContain('token=wrong'); // the host only: a URL would carry the token
    await stop(agent);
    await stop(cp);
  }, 120_000);

  it('refuses bad, reused, expired and revoked tokens, and reconnects with its credential', async () => {
    const dir = tempDir('shoal-remote-tokens-');
    const db = path.join(dir, 'cp.db');
    const cp = track(await startControlPlane(db, dir));

    const bad = await runCli(['agent', '--join', cp.agentsUrl, '--token', 'shoal_jt_not-a-token', '--data-dir', path.join(dir, 'bad')], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('join token not recognised');

    const minted = await mintToken(db, dir);
    const first = track(await startAgent(cp.agentsUrl, minted.token, path.join(dir, 'a1'), dir));
    const reused = await runCli(['agent', '--join', cp.agentsUrl, '--token', minted.token, '--data-dir', path.join(dir, 'a2')], { cwd: dir });
    expect(reused.code).toBe(1);
    expect(reused.stderr).toMatch(/was already used at/);

    const short = await mintToken(db, dir, ['--ttl', '1s']);
    const expiresAt = Date.now() + 1_000;
    await waitFor('the token to expire', () => Date.now() > expiresAt + 50, 5_000);
    const expired = await runCli(['agent', '--join', cp.agentsUrl, '--token', short.token, '--data-dir', path.join(dir, 'a3')], { cwd: dir });
    expect(expired.code).toBe(1);
    expect(expired.stderr).toMatch(/expired at/);
    expect(query(db, 'SELECT id FROM remote_agents')).toHaveLength(1); // refused joins wrote nothing

    // A restart reconnects with the stored credential (no token needed).
    await stop(first);
    const again = track(await startAgent(cp.agentsUrl, null, path.join(dir, 'a1'), dir));
    expect(again.err()).toMatch(/connected as/);

    // Revoked: the connected agent is turned away, and cannot come back.
    const agentId = query<{ id: string }>(db, 'SELECT id FROM remote_agents')[0]!.id;
    expect((await runCli(['agent-token', '--db', db, '--revoke', agentId], { cwd: dir })).code).toBe(0);
    expect(await again.exited).toBe(1);
    expect(again.err()).toMatch(/was revoked at/);
    await stop(cp);
  });

  it('a task only an agent can take is placeable while that agent is online, and loses its "cannot be placed" note once an agent that joined later leases it', async () => {
    const dir = tempDir('shoal-remote-place-');
    const db = path.join(dir, 'cp.db');
    const cp = track(await startControlPlane(db, dir, ['--heartbeat-seconds', '1']));
    const spec = (name: string) => ({ name, task_specs: [{ id: 'x', name: 'x', instructions: 'echo x > x.txt', scorer: { kind: 'file_exists', path: 'x.txt' }, metadata: { requires: ['late'] } }] });
    const note = (runId: string) => query<{ unplaceable: string | null }>(db, 'SELECT unplaceable FROM tasks WHERE run_id = ?', runId)[0]!.unplaceable;
    // This computer lacks "late", so only an agent can take the task.
    const launch = async (name: string) => (await uiCall<{ runId: string }>(cp.uiUrl, 'specs.launch', { text: JSON.stringify(spec(name)), filename: 'spec.json', workspace: null })).runId;
    // No agent offers "late" yet: the spec check says so, and the task waits with that note.
    const early = await launch('before the agent');
    expect(note(early)).toMatch(/no worker offers "late"/);
    const agent = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir, ['--name', 'late-comer'])).token, path.join(dir, 'agent'), dir, ['--capabilities', 'late']));
    expect(await waitForRun(db, early)).toBe('completed');
    expect(note(early)).toBeNull();
    // With the agent online, the same spec is not flagged at all.
    const checked = await uiCall<{ ok: boolean; warnings: string[] }>(cp.uiUrl, 'specs.validate', { text: JSON.stringify(spec('with the agent')), filename: 'spec.json', workspace: null });
    expect(checked).toMatchObject({ ok: true, warnings: [] });
    const later = await launch('with the agent');
    expect(note(later)).toBeNull();
    expect(await waitForRun(db, later)).toBe('completed');
    await stop(agent);
    await stop(cp);
  });

  it('an agent killed mid-task loses its lease; the other agent finishes the task, with exactly one receipt', async () => {
    const dir = tempDir('shoal-remote-kill-');
    const db = path.join(dir, 'cp.db');
    const ws = gitRepo(path.join(dir, 'workspace'));
    const cp = track(await startControlPlane(db, dir, ['--lease-seconds', '2', '--heartbeat-seconds', '1']));
    const a = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir, ['--name', 'doomed'])).token, path.join(dir, 'a'), dir, ['--max-tasks', '1']));
    const b = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir, ['--name', 'survivor'])).token, path.join(dir, 'b'), dir, ['--max-tasks', '1']));
    const ids = Object.fromEntries(query<{ id: string; name: string }>(db, 'SELECT id, name FROM remote_agents').map((r) => [r.name, r.id]));

    const runId = await launchOnAgents(cp.uiUrl, {
      name: 'survive a dead agent',
      task_specs: ['one', 'two'].map((id) => ({
        id, name: id, instructions: `echo ${id} > ${id}.txt; sleep 1.5`, scorer: { kind: 'file_exists', path: `${id}.txt` },
        retry_policy: { max_attempts: 3, initial_backoff_seconds: 0 },
      })),
    }, ws);
    const onDoomed = await waitFor('a task running on the doomed agent', () =>
      query<{ task_id: string }>(db, `SELECT task_id FROM worker_events WHERE run_id = ? AND worker_id = ? AND state = 'running'`, runId, ids.doomed)[0]?.task_id, 30_000, 50);
    a.child.kill('SIGKILL');
    await a.exited;

    expect(await waitForRun(db, runId)).toBe('completed');
    const receipts = query<{ task_id: string; worker_id: string; result: string }>(db, 'SELECT task_id, worker_id, result FROM receipts WHERE run_id = ? ORDER BY task_id', runId);
    expect(receipts.map((r) => r.task_id)).toEqual(['one', 'two']);
    expect(receipts.every((r) => r.worker_id === ids.survivor)).toBe(true);
    // The doomed agent's attempt was reclaimed (stale), then retried on the survivor.
    const stale = query<{ worker_id: string }>(db, `SELECT worker_id FROM worker_events WHERE run_id = ? AND task_id = ? AND state = 'stale'`, runId, onDoomed);
    expect(stale).toEqual([{ worker_id: ids.doomed }]);
    expect(gitOut(ws, ['show', `shoal/${runId}/${onDoomed}:${onDoomed}.txt`])).toBe(`${onDoomed}\n`);
    expectContiguous(db, runId);
    await stop(b);
    await stop(cp);
  });

  it('keeps a killed agent\'s partial work as its branch, shows it on the task, and resumes the retry from it (per-spec lease)', async () => {
    const dir = tempDir('shoal-remote-partial-');
    const db = path.join(dir, 'cp.db');
    const ws = gitRepo(path.join(dir, 'workspace'));
    // The host's lease is 10 minutes; the task's own `lease_seconds` is what gets it reclaimed quickly.
    const cp = track(await startControlPlane(db, dir, ['--lease-seconds', '600', '--heartbeat-seconds', '1']));
    const a = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir, ['--name', 'doomed'])).token, path.join(dir, 'a'), dir, ['--max-tasks', '1']));
    const ids = Object.fromEntries(query<{ id: string; name: string }>(db, 'SELECT id, name FROM remote_agents').map((r) => [r.name, r.id]));
    const runId = await launchOnAgents(cp.uiUrl, {
      name: 'resume partial work',
      task_specs: [{
        id: 'long', name: 'long', scorer: { kind: 'file_exists', path: 'done.txt' },
        instructions: 'if [ -f step1.txt ]; then echo resumed > done.txt; else echo first half > step1.txt; sleep 60; fi',
        retry_policy: { max_attempts: 3, initial_backoff_seconds: 0 },
        metadata: { resume_from_partial: true, lease_seconds: 5 },
      }],
    }, ws);
    const branch = `shoal-partial/${runId}/long/attempt-1`;
    const has = (ref: string) => { try { execFileSync('git', ['rev-parse', '--verify', '-q', ref], { cwd: ws, stdio: 'ignore' }); return true; } catch { return false; } };
    await waitFor('the partial branch to arrive', () => has(branch), 30_000, 100);
    expect(gitOut(ws, ['show', `${branch}:step1.txt`])).toBe('first half\n');
    a.child.kill('SIGKILL');
    await a.exited;
    const reclaimedAt = Date.now();
    await waitFor('the lost attempt to be reclaimed', () => query(db, `SELECT 1 FROM worker_events WHERE run_id = ? AND state = 'stale'`, runId).length > 0, 30_000, 100);
    expect(Date.now() - reclaimedAt).toBeLessThan(15_000);
    // Shown on the task: an artifact naming the branch and its commit, recorded for attempt 1.
    const kept = await waitFor('the partial work to be shown', () => query<{ attempt: number; path: string; checksum: string }>(db, `SELECT attempt, path, checksum FROM artifacts WHERE run_id = ? AND kind = 'partial_branch'`, runId)[0], 10_000, 100);
    expect(kept).toMatchObject({ attempt: 1, path: `refs/heads/${branch}` });
    expect(kept.checksum).toBe(gitOut(ws, ['rev-parse', branch]).trim());
    expect(query(db, `SELECT 1 FROM worker_events WHERE run_id = ? AND state = 'artifact' AND body LIKE '%partial_branch%'`, runId)).toHaveLength(1);

    // The retry, on another agent, starts from the partial branch and finishes the work.
    const b = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir, ['--name', 'survivor'])).token, path.join(dir, 'b'), dir, ['--max-tasks', '1']));
    expect(await waitForRun(db, runId)).toBe('completed');
    expect(query<{ worker_id: string; attempt: number }>(db, 'SELECT worker_id, attempt FROM receipts WHERE run_id = ?', runId)).toEqual([{ worker_id: query<{ id: string }>(db, `SELECT id FROM remote_agents WHERE name = 'survivor'`)[0]!.id, attempt: 2 }]);
    expect(ids.doomed).toBeTruthy();
    const show = (file: string) => gitOut(ws, ['show', `shoal/${runId}/long:${file}`]);
    expect(show('step1.txt')).toBe('first half\n');
    expect(show('done.txt')).toBe('resumed\n');
    expectContiguous(db, runId);
    await stop(b);
    await stop(cp);
  });

  it('fetches the base commit from the git remote the spec names and pushes the result branch there too', async () => {
    const dir = tempDir('shoal-remote-git-');
    const db = path.join(dir, 'cp.db');
    const ws = gitRepo(path.join(dir, 'workspace'));
    const remote = path.join(dir, 'remote.git');
    execFileSync('git', ['clone', '-q', '--bare', ws, remote]);
    const cp = track(await startControlPlane(db, dir, ['--heartbeat-seconds', '1']));
    const agent = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir)).token, path.join(dir, 'a'), dir));
    const runId = await launchOnAgents(cp.uiUrl, {
      name: 'via a remote', task_specs: [{
        id: 'r', name: 'r', instructions: 'echo pushed > out.txt', scorer: { kind: 'file_exists', path: 'out.txt' }, metadata: { git_remote: remote },
      }],
    }, ws);
    expect(await waitForRun(db, runId)).toBe('completed');
    expect(agent.err()).toMatch(/base commit [0-9a-f]{12} fetched from .*remote\.git/);
    await waitFor('the push', () => /pushed shoal\/.*\/r to /.test(agent.err()), 10_000);
    // The result is in the remote and, as always, in the run's workspace repository.
    const branch = `shoal/${runId}/r`;
    expect(gitOut(remote, ['show', `${branch}:out.txt`])).toBe('pushed\n');
    expect(gitOut(ws, ['show', `${branch}:out.txt`])).toBe('pushed\n');
    expect(gitOut(remote, ['rev-parse', branch])).toBe(gitOut(ws, ['rev-parse', branch]));
    await stop(agent);
    await stop(cp);
  });

  it('uploads a 12 MB artifact in checked pieces', async () => {
    const dir = tempDir('shoal-remote-big-');
    const db = path.join(dir, 'cp.db');
    const cp = track(await startControlPlane(db, dir, ['--heartbeat-seconds', '1']));
    const agent = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir)).token, path.join(dir, 'a'), dir));
    const runId = await launchOnAgents(cp.uiUrl, {
      name: 'big artifact', task_specs: [{
        id: 'big', name: 'big', expected_artifacts: ['data'],
        instructions: 'head -c 12000000 /dev/urandom > "$SHOAL_ARTIFACTS_DIR/data.bin"; sha256sum "$SHOAL_ARTIFACTS_DIR/data.bin"',
      }],
    }, null);
    expect(await waitForRun(db, runId)).toBe('completed');
    const receipt = JSON.parse(query<{ body: string }>(db, 'SELECT body FROM receipts WHERE run_id = ?', runId)[0]!.body) as { artifacts: Array<{ kind: string; path: string; checksum?: string; size_bytes: number }> };
    const data = receipt.artifacts.find((a) => a.kind === 'data')!;
    expect(data.path.startsWith(dir)).toBe(true);
    expect(data.size_bytes).toBe(12_000_000);
    const stored = fs.readFileSync(data.path);
    expect(stored.length).toBe(12_000_000);
    // The same bytes the agent wrote: its own sha256sum, printed in the log it sent, matches ours.
    const log = fs.readFileSync(receipt.artifacts.find((a) => a.kind === 'log')!.path, 'utf8');
    expect(log).toContain(crypto.createHash('sha256').update(stored).digest('hex'));
    expect(fs.readdirSync(path.dirname(data.path)).filter((f) => f.endsWith('.part'))).toEqual([]);
    await stop(agent);
    await stop(cp);
  });

  it('refuses another protocol version, frames over the limit and writes for leases the agent does not hold', async () => {
    const dir = tempDir('shoal-remote-proto-');
    const db = path.join(dir, 'cp.db');
    const cp = track(await startControlPlane(db, dir));
    const open = () => openRawAgent(cp.agentsUrl);
    const hello = rawHello;

    const v2 = await open();
    v2.sock.send(hello({ kind: 'join', token: 'whatever' }, WORKER_PROTOCOL_VERSION + 1));
    await v2.closed;
    const refusal = parseControlMessage(v2.frames[0]!);
    expect(refusal.ok && refusal.value.type === 'error' && refusal.value.code).toBe('protocol_version');
    expect(v2.frames[0]).toContain(`worker protocol ${WORKER_PROTOCOL_VERSION + 1} is not supported`);

    const minted = await mintToken(db, dir);
    const c = await open();
    c.sock.send(hello({ kind: 'join', token: minted.token }));
    await waitFor('welcome', () => c.frames.length > 0);
    expect(JSON.parse(c.frames[0]!)).toMatchObject({ type: 'welcome', acked_seq: 0 });
    const lease = { run_id: 'run-x', task_id: 't', attempt: 1, token: 'forged', inbox_seq: 1 };
    c.sock.send(JSON.stringify({ type: 'write', seq: 1, lease, op: { kind: 'events', events: [{ state: 'running' }] } }));
    await waitFor('refusal', () => c.frames.length > 1);
    expect(JSON.parse(c.frames[1]!)).toMatchObject({ type: 'refused', seq: 1, code: 'lease_lost' });
    expect(query(db, 'SELECT * FROM worker_events')).toHaveLength(0);

    // A real lease: the same write sent twice (a replay after a lost ack) is applied once.
    const runId = await launchOnAgents(cp.uiUrl, { name: 'dedup', task_specs: [{ id: 't', name: 't', instructions: 'true' }] }, null);
    c.sock.send(JSON.stringify({ type: 'claim', max: 1 }));
    await waitFor('a lease', () => c.frames.some((f) => f.includes('"leases"') && f.includes(runId)));
    const held = (JSON.parse(c.frames.find((f) => f.includes('"leases"'))!) as { leases: Array<{ lease: typeof lease }> }).leases[0]!.lease;
    const write = JSON.stringify({ type: 'write', seq: 2, lease: held, op: { kind: 'events', events: [{ state: 'model_wait', model: 'm' }] } });
    c.sock.send(write);
    c.sock.send(write);
    await waitFor('two answers', () => c.frames.filter((f) => f.includes('"ack"')).length >= 2);
    expect(c.frames.filter((f) => f.includes('"ack"')).map((f) => JSON.parse(f) as unknown)).toEqual([
      { type: 'ack', seq: 2, duplicate: false }, { type: 'ack', seq: 2, duplicate: true },
    ]);
    expect(query(db, `SELECT * FROM worker_events WHERE run_id = ? AND state = 'model_wait'`, runId)).toHaveLength(1);

    c.sock.send('x'.repeat(9 * 1024 * 1024));
    expect(await c.closed).toBe(1009);
    await waitFor('the control plane to log the refusal', () => /frame over the size limit refused/.test(cp.err()));
    await stop(cp);
  });

  it('speaks TLS on a non-loopback address with a self-signed certificate; refuses it unencrypted', async () => {
    const dir = tempDir('shoal-remote-tls-');
    const db = path.join(dir, 'cp.db');
    const ws = gitRepo(path.join(dir, 'workspace'));
    const refused = await runCli(['serve', '--db', db, '--agents-listen', '127.0.0.2:0'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('needs --tls-cert and --tls-key, or --insecure-agents');

    const pems = await selfsigned.generate([{ name: 'commonName', value: 'shoal-test' }], {
      keySize: 2048, algorithm: 'sha256',
      extensions: [{ name: 'basicConstraints', cA: false }, { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.2' }] }],
    });
    fs.writeFileSync(path.join(dir, 'cert.pem'), pems.cert);
    fs.writeFileSync(path.join(dir, 'key.pem'), pems.private);
    const tls = track(spawnCli(['serve', '--db', db, '--agents-listen', '127.0.0.2:0', '--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem')], dir));
    const out = await waitFor('the TLS listener', () => /Agents: (wss:\/\/127\.0\.0\.2:\d+) \(TLS\)/.exec(tls.out()));
    const url = out[1]!;
    const uiUrl = /Shoal UI: (\S+)/.exec(tls.out())![1]!;

    // Without trusting the certificate the agent cannot connect; with it, it joins and works.
    const untrusted = track(spawnCli(['agent', '--join', url, '--token', (await mintToken(db, dir)).token, '--data-dir', path.join(dir, 'u')], dir));
    await waitFor('the untrusted agent to fail', () => /self[- ]signed|unable to verify|certificate/i.test(untrusted.err()));
    await stop(untrusted, 'SIGKILL');
    const agent = track(await startAgent(url, (await mintToken(db, dir)).token, path.join(dir, 'a'), dir, ['--ca', path.join(dir, 'cert.pem')]));
    const runId = await launchOnAgents(uiUrl, { name: 'tls', task_specs: [{ id: 't', name: 't', instructions: 'echo secure > s.txt', scorer: { kind: 'file_exists', path: 's.txt' } }] }, ws);
    expect(await waitForRun(db, runId)).toBe('completed');
    expect(gitOut(ws, ['show', `shoal/${runId}/t:s.txt`])).toBe('secure\n');
    await stop(agent);
    await stop(tls);
  });

  it('an agent frozen with SIGSTOP is shown stale, then resumes on SIGCONT: nothing lost, nothing doubled', async () => {
    const dir = tempDir('shoal-remote-stop-');
    const db = path.join(dir, 'cp.db');
    const ws = gitRepo(path.join(dir, 'workspace'));
    const cp = track(await startControlPlane(db, dir, ['--lease-seconds', '60', '--heartbeat-seconds', '1']));
    const agent = track(await startAgent(cp.agentsUrl, (await mintToken(db, dir)).token, path.join(dir, 'a'), dir));
    const agentId = query<{ id: string }>(db, 'SELECT id FROM remote_agents')[0]!.id;
    const runId = await launchOnAgents(cp.uiUrl, {
      name: 'frozen', task_specs: [{ id: 'count', name: 'count', instructions: 'for i in $(seq 1 40); do echo line $i; sleep 0.1; done; echo ok > out.txt', scorer: { kind: 'file_exists', path: 'out.txt' } }],
    }, ws);
    await waitFor('the task to run on the agent', () => query(db, `SELECT 1 FROM worker_events WHERE run_id = ? AND state = 'running'`, runId).length > 0, 30_000, 50);
    agent.child.kill('SIGSTOP');
    await waitFor('the agent to be shown stale', () => query<{ status: string }>(db, 'SELECT status FROM workers WHERE id = ?', agentId)[0]?.status === 'unhealthy', 30_000, 100);
    expect(query<{ status_reason: string }>(db, 'SELECT status_reason FROM workers WHERE id = ?', agentId)[0]!.status_reason).toMatch(/^no heartbeat for \d+ s \(it sends one every 1 s\)$/);
    agent.child.kill('SIGCONT');
    expect(await waitForRun(db, runId)).toBe('completed');
    await waitFor('the agent to be back', () => ['online', 'busy'].includes(query<{ status: string }>(db, 'SELECT status FROM workers WHERE id = ?', agentId)[0]!.status), 30_000, 100);
    expect(query<{ status_reason: string | null }>(db, 'SELECT status_reason FROM workers WHERE id = ?', agentId)[0]!.status_reason).toBeNull();
    const states = query<{ state: string; n: number }>(db, `SELECT state, COUNT(*) AS n FROM worker_events WHERE run_id = ? AND state NOT IN ('heartbeat') GROUP BY state`, runId);
    expect(Object.fromEntries(states.map((r) => [r.state, r.n]))).toEqual({ queued: 1, leased: 1, starting: 1, running: 1, running_tool: 3, artifact: 2, completed: 1 });
    const log = JSON.parse(query<{ body: string }>(db, 'SELECT body FROM receipts WHERE run_id = ?', runId)[0]!.body) as { artifacts: Array<{ kind: string; path: string }> };
    const lines = fs.readFileSync(log.artifacts.find((a) => a.kind === 'log')!.path, 'utf8').trim().split('\n');
    expect(lines).toEqual(Array.from({ length: 40 }, (_, i) => `line ${i + 1}`));
    expectContiguous(db, runId);
    await stop(agent);
    await stop(cp);
  });

  it('survives the control plane being SIGKILLed and restarted: the agent reconnects, replays its outbox, the run finishes once', async () => {
    const dir = tempDir('shoal-remote-restart-');
    const db = path.join(dir, 'cp.db');
    const ws = gitRepo(path.join(dir, 'workspace'));
    const first = track(await startControlPlane(db, dir, ['--lease-seconds', '30', '--heartbeat-seconds', '1']));
    const port = new URL(first.agentsUrl.replace(/^ws/, 'http')).port;
    const agent = track(await startAgent(first.agentsUrl, (await mintToken(db, dir)).token, path.join(dir, 'a'), dir));
    const runId = await launchOnAgents(first.uiUrl, {
      name: 'restart', task_specs: [{ id: 'slow', name: 'slow', instructions: 'for i in $(seq 1 30); do echo line $i; sleep 0.1; done; echo ok > out.txt', scorer: { kind: 'file_exists', path: 'out.txt' } }],
    }, ws);
    await waitFor('the task to run on the agent', () => query(db, `SELECT 1 FROM worker_events WHERE run_id = ? AND state = 'running'`, runId).length > 0, 30_000, 50);
    first.child.kill('SIGKILL');
    await first.exited;
    await waitFor('the agent to notice', () => /disconnected/.test(agent.err()), 30_000);

    const second = track(spawnCli(['serve', '--db', db, '--agents-listen', `127.0.0.1:${port}`, '--lease-seconds', '30', '--heartbeat-seconds', '1'], dir));
    await waitFor(`the agent to reconnect`, () => (agent.err().match(/connected as/g) ?? []).length >= 1 && /reconnected/.test(second.err()), 30_000).catch((e: Error) => {
      throw new Error(`${e.message}\nagent:\n${agent.err()}\ncontrol plane:\n${second.out()}${second.err()}`);
    });
    expect(await waitForRun(db, runId)).toBe('completed');
    const receipts = query<{ result: string }>(db, 'SELECT result FROM receipts WHERE run_id = ?', runId);
    expect(receipts).toEqual([{ result: 'pass' }]);
    const states = query<{ state: string; n: number }>(db, `SELECT state, COUNT(*) AS n FROM worker_events WHERE run_id = ? AND state NOT IN ('heartbeat') GROUP BY state`, runId);
    expect(Object.fromEntries(states.map((r) => [r.state, r.n]))).toEqual({ queued: 1, leased: 1, starting: 1, running: 1, running_tool: 3, artifact: 2, completed: 1 });
    // One tool call (the shell client's), each step once: also when the kill lost its verdict and the
    // agent asked again after reconnecting (remote-agent-rejudge.test.ts makes that certain).
    const call = `shell-${runId}/slow#1`;
    expect(toolSteps(db, runId)).toEqual([`${call} tool:precheck`, `${call} tool:dispatching`, `${call} tool:completed`]);
    expectContiguous(db, runId);
    await stop(agent);
    await stop(second);
  });
});
