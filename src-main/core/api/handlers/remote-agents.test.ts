// Remote agents through the contract, as the Workers view and Settings → Workers use them: the agent
// listener started, remembered and stopped; bad input refused naming the field; a join token minted
// (shown once, stored hashed), spent by a real agent over the listener, and revoked — the agent is
// disconnected and listed as revoked.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MethodInput, MethodName, MethodOutput } from '../../../../src-shared/contract';
import { RemoteAgent } from '../../agents-remote/remote-agent';
import type { ShoalCore } from '../../shoal';
import { tempDir } from '../../test-support/temp-dir';
import { useCores } from '../../test-support/use-cores';
import { waitFor } from '../../test-support/wait-for';

const makeCore = useCores();

async function call<M extends MethodName>(c: ShoalCore, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await c.call(method, input, { transport: 'test' });
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.message}`);
  return envelope.value as MethodOutput<M>;
}

async function refusal(c: ShoalCore, method: MethodName, input: unknown): Promise<string> {
  const envelope = await c.call(method, input, { transport: 'test' });
  if (envelope.ok) throw new Error(`${method} accepted ${JSON.stringify(input)}`);
  return envelope.error.message;
}

describe('agent listener and join tokens through the contract', () => {
  it('refuses bad input naming the field, and starts nothing', async () => {
    const c = makeCore();
    const dir = tempDir();
    const notPem = path.join(dir, 'not.pem');
    fs.writeFileSync(notPem, 'hello');
    expect(await refusal(c, 'workers.startAgentListener', { listen: 'nowhere' })).toMatch(/^listen: "nowhere" is not HOST:PORT/);
    expect(await refusal(c, 'workers.startAgentListener', { listen: '127.0.0.1:99999' })).toMatch(/^listen: port 99999 is out of range/);
    expect(await refusal(c, 'workers.startAgentListener', { listen: '0.0.0.0:0' })).toMatch(/^listen: 0\.0\.0\.0 is not a loopback address, so it needs tlsCert and tlsKey, or insecure/);
    expect(await refusal(c, 'workers.startAgentListener', { listen: '127.0.0.1:0', tlsCert: notPem })).toMatch(/^tlsKey: required with tlsCert/);
    expect(await refusal(c, 'workers.startAgentListener', { listen: '127.0.0.1:0', tlsCert: path.join(dir, 'missing.pem'), tlsKey: notPem })).toMatch(/^tlsCert: cannot read .*missing\.pem \(ENOENT\)/);
    expect(await refusal(c, 'workers.startAgentListener', { listen: '127.0.0.1:0', tlsCert: notPem, tlsKey: notPem })).toMatch(/^tlsCert: .* is not a usable PEM certificate/);
    expect(await refusal(c, 'workers.startAgentListener', { listen: '127.0.0.1:0', leaseSeconds: 0 })).toMatch(/leaseSeconds/);
    expect(await refusal(c, 'workers.startAgentListener', { listen: '127.0.0.1:0', heartbeatSeconds: 1.5 })).toMatch(/heartbeatSeconds/);
    expect(await refusal(c, 'workers.startAgentListener', { listen: '127.0.0.1:0', port: 3 })).toMatch(/unknown field "port"/);
    expect((await call(c, 'workers.agentListener', {})).running).toBe(false);

    expect(await refusal(c, 'workers.mintJoinToken', {})).toMatch(/agent listener is not running/);
    await call(c, 'workers.startAgentListener', { listen: '127.0.0.1:0' });
    expect(await refusal(c, 'workers.mintJoinToken', { ttl: 'soon' })).toMatch(/^ttl: a duration/);
    expect(await refusal(c, 'workers.mintJoinToken', { ttl: '90d' })).toMatch(/^ttl: 90d is longer than 30 days/);
    expect(await refusal(c, 'workers.mintJoinToken', { name: '../x' })).toMatch(/name: 1-64 letters/);
    // The agent joins under its name: not the default worker's, nor a kept worker's.
    await call(c, 'workers.add', { name: 'extra1', host: { kind: 'local' } });
    expect(await refusal(c, 'workers.mintJoinToken', { name: 'local' })).toBe('name: "local" is the default worker\'s; choose another');
    expect(await refusal(c, 'workers.mintJoinToken', { name: 'extra1' })).toMatch(/^name: a worker "extra1" already exists/);
    expect(await refusal(c, 'workers.mintJoinToken', { capabilities: ['gpu', 'no spaces'] })).toMatch(/capabilities\[1\]: each 1-64/);
    expect(await refusal(c, 'workers.revoke', { id: 'jt-; DROP' })).toMatch(/id: expected a join token/);
    expect(await refusal(c, 'workers.revoke', { id: 'jt-000000' })).toMatch(/id: no join token or agent "jt-000000"/);
    expect(await call(c, 'workers.joinTokens', {})).toEqual([]);
  });

  it('a port in use is refused naming the listen field; the running listener is kept remembered and restarted on the next start', async () => {
    const dir = tempDir();
    const c = makeCore({}, { dir });
    const first = await call(c, 'workers.startAgentListener', { listen: '127.0.0.1:0', leaseSeconds: 120, heartbeatSeconds: 2 });
    expect(first).toMatchObject({ running: true, enabled: true, tls: false, insecure: false, error: null, config: { listen: '127.0.0.1:0', leaseSeconds: 120, heartbeatSeconds: 2 } });
    expect(first.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const port = new URL(first.url!).port;

    const other = makeCore({}, { dir: tempDir() });
    expect(await refusal(other, 'workers.startAgentListener', { listen: `127.0.0.1:${port}` })).toBe(`listen: 127.0.0.1:${port} is already in use by another program`);
    expect(await call(other, 'workers.agentListener', {})).toMatchObject({ running: false, enabled: false, error: `listen: 127.0.0.1:${port} is already in use by another program` });

    // The host stops; the next one on the same store starts the same listener again.
    await c.shutdown();
    const again = makeCore({}, { dir });
    const resumed = await again.agentListener.startRemembered();
    expect(resumed).toMatchObject({ running: true, enabled: true, config: { leaseSeconds: 120, heartbeatSeconds: 2 } });
    const stopped = await call(again, 'workers.stopAgentListener', {});
    expect(stopped).toMatchObject({ running: false, url: null, enabled: false, config: { leaseSeconds: 120 } });
    expect((await again.agentListener.startRemembered()).running).toBe(false);
  });

  it('a change that cannot start keeps the listener that ran, on its address, and says why', async () => {
    const c = makeCore();
    const first = await call(c, 'workers.startAgentListener', { listen: '127.0.0.1:0', leaseSeconds: 120 });
    const busy = makeCore();
    const taken = new URL((await call(busy, 'workers.startAgentListener', { listen: '127.0.0.1:0' })).url!).port;
    expect(await refusal(c, 'workers.startAgentListener', { listen: `127.0.0.1:${taken}`, leaseSeconds: 60 })).toBe(`listen: 127.0.0.1:${taken} is already in use by another program`);
    const after = await call(c, 'workers.agentListener', {});
    expect(after).toMatchObject({ running: true, url: first.url, enabled: true, config: { listen: '127.0.0.1:0', leaseSeconds: 120 }, error: `listen: 127.0.0.1:${taken} is already in use by another program` });
    expect(c.agentListener.joinUrl()).toBe(first.url);
  });

  it('mints a one-time token a real agent joins with; revoking the agent disconnects it and lists it as revoked', async () => {
    const c = makeCore();
    const status = await call(c, 'workers.startAgentListener', { listen: '127.0.0.1:0', heartbeatSeconds: 1 });
    const minted = await call(c, 'workers.mintJoinToken', { name: 'builder-1', ttl: '10m', capabilities: ['gpu'] });
    expect(minted.url).toBe(status.url);
    expect(minted.command).toBe(`shoal agent --join ${status.url} --token ${minted.token} --name builder-1`);
    expect(Date.parse(minted.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);
    // Listed without the token; stored only as its hash.
    const pending = await call(c, 'workers.joinTokens', {});
    expect(pending).toEqual([{ id: minted.id, name: 'builder-1', capabilities: ['gpu'], createdAt: expect.any(String), expiresAt: minted.expiresAt }]);
    expect(JSON.stringify(c.store.db.prepare('SELECT * FROM agent_join_tokens').all())).not.toContain(minted.token);

    // A second token, revoked before use, is gone from the pending list.
    const spare = await call(c, 'workers.mintJoinToken', {});
    expect(await call(c, 'workers.revoke', { id: spare.id })).toEqual({ ok: true });
    expect((await call(c, 'workers.joinTokens', {})).map((t) => t.id)).toEqual([minted.id]);

    const logs: string[] = [];
    const agent = new RemoteAgent({ url: minted.url, token: minted.token, dataDir: tempDir(), version: '9.9.9-test', maxTasks: 2, log: (m) => logs.push(m) });
    let finished = false;
    void agent.done.then(() => (finished = true));
    agent.start();
    try {
      await waitFor('the agent to be listed online', () => c.workersView.list().find((w) => w.name === 'builder-1' && w.agent?.state === 'online'), 15_000);
      const row = (await call(c, 'workers.list', {})).find((w) => w.name === 'builder-1')!;
      expect(row).toMatchObject({ hostKind: 'agent', maxConcurrent: 2, agent: { state: 'online', version: '9.9.9-test', address: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1:\d+$/), revokedAt: null } });
      expect(row.capabilities).toContain('gpu');
      expect(await call(c, 'workers.joinTokens', {})).toEqual([]);

      expect(await call(c, 'workers.revoke', { id: row.id })).toEqual({ ok: true });
      const done = await agent.done;
      expect(done).toEqual({ code: 1, message: `agent ${row.id} was revoked from the Workers view` });
      const revoked = await waitFor('the agent to be listed revoked and offline', () => c.workersView.list().find((w) => w.id === row.id && w.status === 'offline'), 5_000);
      expect(revoked.agent).toMatchObject({ state: 'revoked', revokedAt: expect.any(String) });
      expect(await refusal(c, 'workers.revoke', { id: row.id })).toMatch(/not already revoked/);
    } finally {
      if (!finished) await agent.stop();
    }
  });

  it('an agent whose heartbeats stopped is stale, one that left is offline', async () => {
    const c = makeCore();
    const { url } = await call(c, 'workers.startAgentListener', { listen: '127.0.0.1:0', heartbeatSeconds: 1 });
    const minted = await call(c, 'workers.mintJoinToken', { name: 'quiet' });
    const agent = new RemoteAgent({ url: url!, token: minted.token, dataDir: tempDir(), version: 't', log: () => {} });
    agent.start();
    const row = await waitFor('online', () => c.workersView.list().find((w) => w.name === 'quiet' && w.agent?.state === 'online'), 15_000);
    // As another process's view would find it after the control plane died: no heartbeat for long.
    c.store.db.prepare('UPDATE workers SET last_heartbeat_at = ? WHERE id = ?').run(new Date(Date.now() - 60_000).toISOString(), row.id);
    expect(c.workersView.list().find((w) => w.id === row.id)?.agent?.state).toBe('stale');
    await agent.stop();
    await waitFor('offline', () => c.workersView.list().find((w) => w.id === row.id && w.agent?.state === 'offline'), 5_000);
  });
});
