// A driver's pool closes it only once the driver's own reap loops (agents a dropped connection cut
// off, which it keeps trying to end) are over: ReapLoops.idle() says when.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../test-support/wait-for';
import { ReapLoops } from './reap-orphan';

const ref = { kind: 'ssh' as const, host: '127.0.0.1', port: 1, user: 'u', pgid: 1, dir: '/tmp/x' };

describe('ReapLoops.idle', () => {
  it('resolves at once with no loop, and only after the last loop ended otherwise', async () => {
    const loops = new ReapLoops();
    await loops.idle();
    // No driver can reach the host: the loop keeps trying until it is cancelled.
    void loops.start([() => null], ref, { firstDelayMs: 10 });
    let idle = false;
    void loops.idle().then(() => (idle = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(idle).toBe(false);
    loops.cancelAll();
    await waitFor('idle once the loop was cancelled', () => idle, 5_000);
  });
});
