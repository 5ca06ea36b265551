// The Workers view's owed-reap methods through core.call, as both transports call them: inputs
// validated in main (the field named), a wrong attempt explained, Forget taking one over and telling
// the open windows (the workers family) to refetch. Real store; the owed reap's host is a listener on
// 127.0.0.1 that drops every SSH login.
import { callError, callMethod as call } from '../../test-support/core-call';
import { describe, expect, it } from 'vitest';
import { owedReapWorker, type ServerEvent } from '../../../../src-shared/contract';
import { coreIn, droppingHost, seedOwed, sshRef } from '../../test-support/owed-reap';
import { tempDir } from '../../test-support/temp-core';
import { waitFor } from '../../test-support/wait-for';



describe('workers.owedReaps, workers.retryReap, workers.forgetReap', () => {
  it('lists, validates every input, retries (a started host wakes or starts the loop) and forgets', async () => {
    const dir = tempDir('shoal-owed-api-');
    const host = await droppingHost();
    const runId = await seedOwed(dir, sshRef(host.port), Date.now());
    const c = coreIn(dir);
    const key = { runId, taskId: 't0', attempt: 1 };
    const [row] = await call(c, 'workers.owedReaps', {});
    // No kept worker reaches that host: it is counted on the worker its attempt ran on.
    expect(row).toMatchObject({ ...key, workerName: 'box', keptWorker: null, work: `ssh nobody@127.0.0.1:${host.port} pgid 4242`, hostKind: 'ssh', tries: 0 });
    expect(owedReapWorker(row!)).toBe(row!.workerId);
    // Kept under a new name (the old one removed, the host added again): counted there, as the CLI counts it.
    c.workerRegistry.add({ name: 'box-renamed', host: { kind: 'ssh', host: '127.0.0.1', port: host.port, user: 'nobody' } as never, capabilities: [], maxTasks: null, dockerHost: null, hostKey: null, privateKey: null });
    const [renamed] = await call(c, 'workers.owedReaps', {});
    expect([renamed!.keptWorker, owedReapWorker(renamed!)]).toEqual(['box-renamed', 'box-renamed']);

    const zero = await callError(c, 'workers.retryReap', { ...key, attempt: 0 });
    expect(zero.code).toBe('invalid_input');
    expect(zero.issues?.join('\n')).toMatch(/^attempt: /m);
    expect((await callError(c, 'workers.forgetReap', { ...key, attempt: '1' })).issues?.join('\n')).toMatch(/^attempt: /m);
    expect((await callError(c, 'workers.forgetReap', { ...key, extra: true })).code).toBe('invalid_input');
    expect((await callError(c, 'workers.forgetReap', { ...key, taskId: '' })).issues?.join('\n')).toMatch(/^taskId: /m);
    expect(await callError(c, 'workers.forgetReap', { ...key, attempt: 4 })).toMatchObject({ code: 'not_found', message: `attempt: task ${runId}/t0 has no attempt 4` });

    // This core runs no work: its retry is one try, here, that fails with the host's cause.
    const tried = await call(c, 'workers.retryReap', key);
    expect(tried.outcome).toBe('failed');
    expect(tried.error).toContain(`ssh nobody@127.0.0.1:${host.port}`);
    await c.shutdown();

    // A host that runs work starts the attempt's loop at its start; Retry now wakes it.
    const app = coreIn(dir);
    app.start();
    await waitFor('its loop', () => app.engine.owedReapLooping(key), 10_000);
    expect(await call(app, 'workers.retryReap', key)).toEqual({ outcome: 'woken', error: null });
    const events: ServerEvent[] = [];
    app.bus.subscribe((e) => events.push(e));
    const forgotten = await call(app, 'workers.forgetReap', key);
    expect(forgotten).toMatchObject(key);
    expect(await call(app, 'workers.owedReaps', {})).toEqual([]);
    await waitFor('the workers family invalidated', () => events.some((e) => e.type === 'invalidate' && e.families.includes('workers')), 5_000);
    await waitFor('its loop stopped', () => !app.engine.owedReapLooping(key), 5_000);
    expect(await callError(app, 'workers.forgetReap', key)).toMatchObject({ code: 'conflict', message: `attempt: ${runId}/t0 (attempt 1) is not owed a reap: its work was seen to end, or someone already forgot it` });
  });
});
