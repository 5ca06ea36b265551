// A TCP relay on 127.0.0.1 that hands a server's bytes to the client in batches, the way a loaded
// machine or a slow link does: whatever the server sent within `everyMs` reaches the client as one
// write, so several protocol packets land in one socket read. Client → server passes at once.
// `cut()` drops every relayed connection, as a network failure would.
import net from 'node:net';

export interface BatchingRelay {
  port: number;
  /** How many batch intervals have passed (data or not): two after a moment, whatever the server
   *  had sent by then has reached the client. */
  readonly ticks: number;
  cut(): void;
  close(): Promise<void>;
}

export async function startBatchingRelay(target: { host: string; port: number }, everyMs = 40): Promise<BatchingRelay> {
  const open = new Set<net.Socket>();
  let ticks = 0;
  const ticker = setInterval(() => ticks++, everyMs);
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    open.add(client).add(upstream);
    let held: Buffer[] = [];
    const flush = setInterval(() => {
      if (held.length === 0 || client.destroyed) return;
      client.write(Buffer.concat(held));
      held = [];
    }, everyMs);
    upstream.on('data', (d: Buffer) => held.push(d));
    client.on('data', (d: Buffer) => upstream.write(d));
    const end = (): void => {
      clearInterval(flush);
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
    get ticks() {
      return ticks;
    },
    cut: () => {
      for (const s of [...open]) s.destroy();
    },
    close: () => {
      clearInterval(ticker);
      for (const s of [...open]) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
