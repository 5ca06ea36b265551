// `shoal workers owed|retry-reap|forget`, through the bundled CLI in a child process, on a store where
// an attempt's work was left on a host that answers no SSH login (a listener on 127.0.0.1 that drops
// every connection): the table and its JSON, a try now that fails with the host's cause, bad input
// named by field, a forget that leaves nothing owed, and the count `workers list` shows.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { coreIn, droppingHost, seedOwed, sshRef } from '../core/test-support/owed-reap';
import { tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { runCli } from './test-support/cli';
import { startControlPlane, trackProcs } from './test-support/control-plane';

const track = trackProcs();

describe('shoal workers owed', () => {
  it('says "Nothing owed" on a store that owes nothing, and [] as JSON', async () => {
    const db = path.join(tempDir('shoal-owed-cli-'), 'shoal.db');
    const table = await runCli(['workers', 'owed', '--db', db]);
    expect([table.code, table.stdout]).toEqual([0, 'Nothing owed: no work is left to stop on any host.\n']);
    const json = await runCli(['workers', 'owed', '--json', '--db', db]);
    expect([json.code, JSON.parse(json.stdout)]).toEqual([0, []]);
  });

  it('lists an owed reap, tries it now, refuses bad input by field, forgets it, and counts it on its kept worker', async () => {
    const dir = tempDir('shoal-owed-cli-');
    const db = path.join(dir, 'shoal.db');
    const host = await droppingHost();
    const runId = await seedOwed(dir, sshRef(host.port), Date.parse('2026-11-30T10:00:00.000Z'));
    const work = `ssh nobody@127.0.0.1:${host.port} pgid 4242`;
    // A kept worker on that host: `workers list` counts what is owed there.
    const seed = coreIn(dir);
    const keep = (name: string) => seed.workerRegistry.add({ name, host: { kind: 'ssh', host: '127.0.0.1', port: host.port, user: 'nobody' } as never, capabilities: [], maxTasks: null, dockerHost: null, hostKey: null, privateKey: null });
    keep('gpu');
    keep('gpu-2'); // reaches the same host: the reap is still counted once, on the worker that ends it
    await seed.shutdown();

    const table = await runCli(['workers', 'owed', '--db', db]);
    expect(table.code, table.stderr).toBe(0);
    const [header, line, ...rest] = table.stdout.split('\n');
    expect(header).toMatch(/^HOST +RUN\/TASK\/ATTEMPT +SINCE +LAST ERROR$/);
    expect(line).toMatch(new RegExp(`^box: ${work} +${runId}/t0/1 +2026-11-30 10:00:00Z +-$`));
    expect(rest).toEqual(['']);
    expect(table.stderr).toContain('shoal workers forget RUN TASK ATTEMPT');

    const listed = await runCli(['workers', 'list', '--db', db]);
    expect(listed.stdout).toMatch(/^gpu +ssh nobody@127\.0\.0\.1:\d+ .* 1 owed reap$/m);
    const listedJson = await runCli(['workers', 'list', '--json', '--db', db]);
    expect(listedJson.code, listedJson.stderr).toBe(0);
    expect(JSON.parse(listedJson.stdout)).toMatchObject([{ name: 'gpu', owed_reaps: 1 }, { name: 'gpu-2', owed_reaps: 0 }]);

    // Tried once, here: the host drops the login, so it stays owed, with the cause recorded.
    const retry = await runCli(['workers', 'retry-reap', runId, 't0', '1', '--db', db]);
    expect(retry.code).toBe(1);
    expect(retry.stderr).toContain(`could not end ${work} of ${runId}/t0 (attempt 1) yet: ssh nobody@127.0.0.1:${host.port}: `);
    expect(retry.stderr).toContain('it stays owed');
    expect(host.connections()).toBeGreaterThanOrEqual(1);
    const [owed] = JSON.parse((await runCli(['workers', 'owed', '--json', '--db', db])).stdout) as Array<Record<string, unknown>>;
    expect(owed).toMatchObject({ run_id: runId, task_id: 't0', attempt: 1, worker_id: 'remote-1', worker_name: 'box', kept_worker: 'gpu', work, host_kind: 'ssh', since: '2026-11-30T10:00:00.000Z', tries: 1 });
    expect(owed!.last_error).toContain(`ssh nobody@127.0.0.1:${host.port}`);

    const bad = async (args: string[]) => {
      const r = await runCli(['workers', ...args, '--db', db]);
      return [r.code, r.stderr.trim()];
    };
    expect(await bad(['forget', runId, 't0'])).toEqual([2, 'shoal workers: attempt: required; e.g. `shoal workers forget RUN TASK ATTEMPT` (`shoal workers owed` lists them)']);
    expect(await bad(['forget', runId, 't0', 'first'])).toEqual([2, 'shoal workers: attempt: "first" is not an attempt number (1, 2, …)']);
    expect(await bad(['forget', 'nope', 't0', '1'])).toEqual([2, 'shoal workers: run: no run "nope"']);
    expect(await bad(['retry-reap', runId, 'tx', '1'])).toEqual([2, `shoal workers: task: run ${runId} has no task "tx"`]);
    expect(await bad(['forget', runId, 't0', '7'])).toEqual([2, `shoal workers: attempt: task ${runId}/t0 has no attempt 7`]);

    const forgot = await runCli(['workers', 'forget', runId, 't0', '1', '--db', db]);
    expect(forgot.code, forgot.stderr).toBe(0);
    expect(forgot.stderr.trim()).toBe(`[shoal] cli:${process.env.USER ?? 'user'} took over ending ${work} of ${runId}/t0 (attempt 1): Shoal stops trying to end it; if it still runs on that host, end it yourself.`);
    expect((await runCli(['workers', 'owed', '--db', db])).stdout).toBe('Nothing owed: no work is left to stop on any host.\n');
    expect(await bad(['forget', runId, 't0', '1'])).toEqual([2, `shoal workers: attempt: ${runId}/t0 (attempt 1) is not owed a reap: its work was seen to end, or someone already forgot it`]);
    expect((await runCli(['workers', 'list', '--db', db])).stdout).not.toContain('owed');
  });

  it('a forget from the CLI stops the tries of a running `shoal serve` on the same store', async () => {
    const dir = tempDir('shoal-owed-serve-');
    const db = path.join(dir, 'shoal.db');
    const host = await droppingHost();
    const runId = await seedOwed(dir, sshRef(host.port), Date.now());
    track(await startControlPlane(db, dir)); // its start tries every owed reap: 1 s, 2 s, 4 s… apart
    await waitFor('serve to try it twice', () => host.connections() >= 2, 20_000);
    const forgot = await runCli(['workers', 'forget', runId, 't0', '1', '--db', db]);
    expect(forgot.code, forgot.stderr).toBe(0);
    const atForget = host.connections();
    // Its next try was due within 4 s of the last; it re-checks the marker before each, and hears of
    // the CLI's write within a moment anyway: nothing tries the host again.
    await new Promise((r) => setTimeout(r, 6_500));
    expect(host.connections()).toBe(atForget);
    expect((await runCli(['workers', 'owed', '--db', db])).stdout).toBe('Nothing owed: no work is left to stop on any host.\n');
  });
});
