// `shoal agent --join` given an address that is not a Shoal agents endpoint (another HTTP server, the
// UI's port): it stops at once with an error naming the address and what answered, instead of
// retrying forever with "cannot reach the control plane" (something did answer).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../core/test-support/temp-core';
import { spawnCli, trackProcs } from './test-support/control-plane';

const track = trackProcs();

describe('remote agents: a wrong address', () => {
  it('stops with a clear error when the address answers HTTP but is not an agents endpoint', async () => {
    const dir = tempDir('shoal-remote-wrongurl-');
    const server = http.createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('not here\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const agent = track(spawnCli(['agent', '--join', url, '--token', 'shoal_jt_whatever', '--data-dir', path.join(dir, 'a')], dir));
      const code = await Promise.race([agent.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 15_000))]);
      expect(code, agent.err()).toBe(1);
      expect(agent.err()).toContain(`${url} is not a Shoal agents endpoint (it answered HTTP 404)`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }, 60_000);
});
