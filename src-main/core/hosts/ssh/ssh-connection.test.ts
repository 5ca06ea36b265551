// One SshConnection against a real sshd, reached through a relay that batches the server's bytes:
// a short command's exec reply, exit status and close then arrive in one socket read, as they often
// do on a loaded machine. Its exit status must still be read (it was lost, "exit null", before).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBatchingRelay, type BatchingRelay } from '../../test-support/batching-relay';
import { childrenOf } from '../../test-support/processes';
import { startSshd, type TestSshd } from '../../test-support/sshd';
import { tempDir } from '../../test-support/temp-dir';
import { waitFor } from '../../test-support/wait-for';
import { KnownHosts } from './host-keys';
import { SshConnection } from './ssh-connection';

let sshd: TestSshd;
let relay: BatchingRelay;
beforeAll(async () => {
  sshd = startSshd();
  relay = await startBatchingRelay({ host: '127.0.0.1', port: sshd.port });
}, 120_000);
afterAll(async () => {
  await relay?.close();
  sshd?.stop();
});

function connection(): SshConnection {
  // The relay's port is the host's address here: the pin is the test sshd's key.
  return new SshConnection({ host: '127.0.0.1', port: relay.port, user: sshd.user, identity: sshd.identity }, { known: KnownHosts.inDataDir(tempDir()), pinned: sshd.fingerprint });
}

describe('an SSH connection running commands', () => {
  it('reports the exit status of short commands whose whole reply arrives in one read', async () => {
    const conn = connection();
    try {
      for (let round = 0; round < 5; round++) {
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => conn.exec(`printf out${i}; exit ${i}`)));
        expect(results.map((r) => [r.code, r.signal, r.stdout.toString()])).toEqual(Array.from({ length: 8 }, (_, i) => [i, null, `out${i}`]));
      }
      const one = await conn.exec('kill -TERM $$');
      expect([one.code, one.signal]).toEqual([null, 'SIGTERM']);
    } finally {
      conn.close();
    }
  });

  it('once closed, neither keeps a handshake that was under way nor reconnects for a later command', async () => {
    const conn = connection();
    const handshake = conn.exec('true'); // connecting when its pool lets go of it
    conn.close();
    await expect(handshake).rejects.toThrow(/the connection was closed$/);
    await expect(conn.exec('true')).rejects.toThrow(/^ssh \S+: the connection was closed$/);
    // sshd forks a child per connection: the handshake's, if it got that far, was ended.
    await waitFor('no connection left open on the host', () => childrenOf(sshd.pid).length === 0, 10_000);
  });

  it('fails a command cut off by a dropped connection with that cause, not as an exit status', async () => {
    const conn = connection();
    const started = path.join(tempDir(), 'started'); // the remote is this computer
    try {
      // It ends by itself a few seconds later: nothing is left running after the test.
      const cut = conn.exec(`touch ${started}; sleep 3`);
      await waitFor('the command running', () => fs.existsSync(started), 10_000);
      // Its exec reply was sent before the command ran; two batches later it has reached the client
      // (unless the machine is very slow: then the cut lands before the reply, also a clear error).
      const seen = relay.ticks;
      await waitFor('the exec reply relayed', () => relay.ticks >= seen + 2, 10_000);
      relay.cut();
      await expect(cut).rejects.toThrow(/^ssh \S+: (the command ended without an exit status \(the connection closed under it\)|could not run a command: the connection closed)$/);
    } finally {
      conn.close();
    }
  });

  it('fails a session the server refuses with nothing else open on the connection, naming MaxSessions', async () => {
    // Past the limit commands wait for a free session (ssh-session-queue.test.ts); a refusal with no
    // other session open can never be waited out. MaxSessions 0 refuses every session.
    const none = startSshd(undefined, { maxSessions: 0 });
    const conn = new SshConnection({ host: '127.0.0.1', port: none.port, user: none.user, identity: none.identity }, { known: KnownHosts.inDataDir(tempDir()), pinned: none.fingerprint });
    try {
      const results = await Promise.allSettled([conn.exec('true'), conn.exec('true')]);
      for (const r of results) {
        expect(r.status).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toEqual(new Error(`ssh ${none.user}@127.0.0.1:${none.port}: could not run a command: the server refused a session on this connection with no other session open on it (is sshd's MaxSessions 0 there?): (SSH) Channel open failure: open failed`));
      }
      expect(conn.sessionsWaiting).toBe(0);
    } finally {
      conn.close();
      none.stop();
    }
  });
});
