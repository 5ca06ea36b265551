// A loopback tcp:// front for a test's Docker API socket. Shoal treats a tcp:// daemon as remote, so
// attempts through it copy their worktree in and out as archives instead of bind-mounting it. The
// relay passes every byte on unchanged, but first shows the test each request line: a test that
// must freeze the real daemon (SIGSTOP) at one exact request — the worktree's archive going in, the
// result's coming out — does it there, before the daemon has seen that request.
import net from 'node:net';

export interface DockerRelay { url: string; close(): Promise<void> }

/** `onRequest` gets "METHOD /path?query" for each request, before it is passed on. */
export async function startDockerRelay(socketPath: string, onRequest: (line: string) => void): Promise<DockerRelay> {
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
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
      if (!daemon.write(chunk)) client.pause();
    });
    daemon.on('drain', () => client.resume());
    daemon.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `tcp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    }),
  };
}
