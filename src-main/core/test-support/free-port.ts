// A port on 127.0.0.1 that nothing listens on right now: for tests that need an address which
// refuses connections, or a server that must come back on a port the test knows in advance.
import net from 'node:net';

export async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
