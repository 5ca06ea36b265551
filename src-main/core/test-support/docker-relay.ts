// A loopback tcp:// front for a test's Docker API socket. Shoal treats a tcp:// daemon as remote, so
// attempts through it copy their worktree in and out as archives instead of bind-mounting it. The
// relay passes every byte on unchanged, but first shows the test each request line: a test that
// must freeze the real daemon (SIGSTOP) at one exact request — the worktree's archive going in, the
// result's coming out — does it there, before the daemon has seen that request. A test can also
// take the relay down there (`down()`, from `onRequest`): every relayed connection drops, that
// request never reaches the daemon, and new connections are closed as soon as they are accepted,
// as a network gone away, until `up()`.
import net from 'node:net';

export interface DockerRelay {
  url: string;
  /** Drops every relayed connection and closes new ones at once, until up(). */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

/** `onRequest` gets "METHOD /path?query" for each request, before it is passed on. */
export async function startDockerRelay(socketPath: string, onRequest: (line: string) => void): Promise<DockerRelay> {
  const open = new Set<net.Socket>();
  let isUp = true;
  const server = net.createServer((client) => {
    if (!isUp) {
      client.destroy();
      return;
    }
    const daemon = net.connect(socketPath);
    for (const s of [client, daemon]) {
      open.add(s);
      s.on('error', () => undefined);
      s.on('close', () => open.delete(s));
    }
    client.on('close', () => daemon.destroy());
    daemon.on('close', () => client.destroy());
    client.on('data', (chunk: Buffer) => {
      for (const m of chunk.toString('latin1').matchAll(/^([A-Z]+) (\S+) HTTP\/1\.[01]\r$/gm)) onRequest(`${m[1]} ${m[2]}`);
      if (!isUp) return; // taken down at this request: it never reaches the daemon
      if (!daemon.write(chunk)) client.pause();
    });
    daemon.on('drain', () => client.resume());
    daemon.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const dropAll = (): void => {
    for (const s of open) s.destroy();
  };
  return {
    url: `tcp://127.0.0.1:${port}`,
    down: () => {
      isUp = false;
      dropAll();
    },
    up: () => {
      isUp = true;
    },
    close: () => new Promise<void>((resolve) => {
      dropAll();
      server.close(() => resolve());
    }),
  };
}
