// A loopback TCP relay in front of a test's own server that can be switched off and on, as a host
// whose network goes away and comes back: while off, every relayed connection is dropped and each
// new one is closed as soon as it is accepted. The port stays the relay's throughout, so what Shoal
// stored about the host (a worker spec, an attempt's host ref) names it again once it is back.
// It can also hold the server's bytes: from `hold()` on, what the server sends is kept here instead
// of reaching the client (which still reaches the server), as a link that stopped delivering in one
// direction; `off()` then drops the connection with those bytes undelivered.
import net from 'node:net';

export interface SwitchRelay {
  port: number;
  /** Connections relayed so far (those closed at once while off not counted). */
  readonly relayed: number;
  /** Bytes from the server kept since hold() (none delivered). */
  readonly held: number;
  /** When the server last sent anything through the relay (ms since the epoch; 0: never). */
  readonly lastFromServer: number;
  off(): void;
  on(): void;
  /** Keeps what the server sends from now on (on every relayed connection, and on new ones) until
   *  off() drops it. */
  hold(): void;
  close(): Promise<void>;
}

export async function startSwitchRelay(target: { host: string; port: number }): Promise<SwitchRelay> {
  const open = new Set<net.Socket>();
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let up = true;
  let holding = false;
  let relayed = 0;
  let held = 0;
  let lastFromServer = 0;
  const keep = (d: Buffer): void => {
    held += d.length;
  };
  const server = net.createServer((client) => {
    if (!up) {
      client.destroy();
      return;
    }
    relayed++;
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    open.add(client).add(upstream);
    pairs.add(pair);
    client.pipe(upstream);
    upstream.on('data', () => (lastFromServer = Date.now()));
    if (holding) upstream.on('data', keep);
    else upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
      pairs.delete(pair);
    };
    for (const s of [client, upstream]) s.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const drop = (): void => {
    for (const s of [...open]) s.destroy();
    holding = false;
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    get relayed() {
      return relayed;
    },
    get held() {
      return held;
    },
    get lastFromServer() {
      return lastFromServer;
    },
    off: () => {
      up = false;
      drop();
    },
    on: () => {
      up = true;
    },
    hold: () => {
      if (holding) return;
      holding = true;
      held = 0;
      for (const { client, upstream } of pairs) {
        // Unpiping pauses the socket: it is resumed into the count, so the server is still read.
        upstream.unpipe(client);
        upstream.on('data', keep);
        upstream.resume();
      }
    },
    close: () => {
      up = false;
      drop();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
