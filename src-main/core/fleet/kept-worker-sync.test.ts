// A running engine's kept workers follow the registry: a change made through this core applies at
// once; one made through another connection to the same store (what `shoal workers add|remove` in
// a terminal is) applies when the engine's external-write watch sees it. The hosts here refuse
// connections: registering a worker needs no host (it is then probed, and found down).
import { describe, expect, it } from 'vitest';
import { freePort } from '../test-support/free-port';
import { tempDir } from '../test-support/temp-dir';
import { useCores } from '../test-support/use-cores';
import { waitFor } from '../test-support/wait-for';
import type { ShoalCore } from '../shoal';

const makeCore = useCores();

const sshWorker = (name: string, port: number) => ({
  name, host: { kind: 'ssh', host: '127.0.0.1', port, user: 'nobody' } as never, capabilities: [], maxTasks: 1, dockerHost: null, hostKey: null, privateKey: null,
});
const rowOf = (c: ShoalCore, id: string) => c.store.db.prepare<[string], { host: string; status: string; status_reason: string | null }>('SELECT host, status, status_reason FROM workers WHERE id = ?').get(id);

describe('kept workers follow the registry', () => {
  it('applies a change made through this core at once', async () => {
    const c = makeCore();
    c.workerRegistry.add(sshWorker('box', await freePort()));
    expect(rowOf(c, 'box')).toBeDefined(); // registered in the same call
    expect(c.workerRegistry.remove('box')).toBe(true);
    expect(rowOf(c, 'box')).toMatchObject({ status: 'offline', status_reason: 'removed from the kept workers' });
    expect(c.workerRegistry.remove('box')).toBe(false);
  });

  it('applies changes another connection made: added, removed, and replaced under its name', async () => {
    const dir = tempDir();
    const engine = makeCore({}, { dir });
    const other = makeCore({}, { dir, start: false }); // like a `shoal workers` command: no engine of its own
    const [p1, p2] = [await freePort(), await freePort()];
    const before = other.workerRegistry.revision();

    other.workerRegistry.add(sshWorker('box', p1));
    expect(other.workerRegistry.revision()).toBe(before + 1);
    expect(rowOf(other, 'box')).toBeUndefined(); // the command itself puts nothing in service
    let t = Date.now();
    await waitFor('the engine to register box', () => rowOf(engine, 'box'), 5_000, 5);
    console.log(`add seen by the engine in ${Date.now() - t} ms`);
    expect(JSON.parse(rowOf(engine, 'box')!.host)).toMatchObject({ port: p1 });

    // Removed and added again with another host between two looks: the engine takes the new one.
    other.workerRegistry.remove('box');
    other.workerRegistry.add(sshWorker('box', p2));
    await waitFor('the engine to take the replaced box', () => JSON.parse(rowOf(engine, 'box')!.host).port === p2, 5_000, 5);

    t = Date.now();
    expect(other.workerRegistry.remove('box')).toBe(true);
    await waitFor('the engine to take box out', () => rowOf(engine, 'box')!.status === 'offline', 5_000, 5);
    console.log(`remove seen by the engine in ${Date.now() - t} ms`);
    expect(rowOf(engine, 'box')!.status_reason).toBe('removed from the kept workers');
  });
});
