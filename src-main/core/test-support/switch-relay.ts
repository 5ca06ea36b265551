// A loopback TCP relay in front of a test's own server that can be switched off and on, as a host
// whose network goes away and comes back: while off, every relayed connection is dropped and each
// new one is closed as soon as it is accepted. The port stays the relay's throughout, so what Shoal
// stored about the host (a worker spec, an attempt's host ref) names it again once it is back.
import net from 'node:net';

export interface SwitchRelay {
  port: number;
  /** Connections relayed so far (those closed at once while off not counted). */
  readonly relayed: number;
  off(): void;
  on(): void;
  close(): Promise<void>;
}

export async function startSwitchRelay(target: { host: string; port: number }): Promise<SwitchRelay> {
  const open = new Set<net.Socket>();
  let up = true;
  let relayed = 0;
  const server = net.createServer((client) => {
    if (!up) {
      client.destroy();
      return;
    }
    relayed++;
    const upstream = net.connect(target.port, target.host);
    open.add(client).add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    for (const s of [client, upstream]) s.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get relayed() {
      return relayed;
    },
    off: () => {
      up = false;
      for (const s of [...open]) s.destroy();
    },
    on: () => {
      up = true;
    },
    close: () => {
      up = false;
      for (const s of [...open]) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
