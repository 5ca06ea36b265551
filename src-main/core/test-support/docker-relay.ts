// A loopback tcp:// front for a test's Docker API socket. Shoal treats a tcp:// daemon as remote, so
// attempts through it copy their worktree in and out as archives instead of bind-mounting it. The
// relay passes every byte on unchanged, but first shows the test each request line: a test that
// must freeze the real daemon (SIGSTOP) at one exact request — the worktree's archive going in, the
// result's coming out — does it there, before the daemon has seen that request. A test can also
// take the relay down there (`down()`, from `onRequest`): every relayed connection drops, that
// request never reaches the daemon, and new connections are closed as soon as they are accepted,
// as a network gone away, until `up()`. Or it can lose one request's answer (`loseAnswer()`, from
// `onRequest`): the request reaches the daemon, which does what it asks, but its answer never comes
// back — the connection is dropped as the answer arrives, or the answer is held (the caller's own
// deadline ends the wait) — as a connection that broke or timed out after the daemon acted. Or it
// can pass one request on late (`delayRequest()`): the daemon acts on it only after the caller gave
// up, as a daemon too busy to get to it in time.
import net from 'node:net';

/** 'drop': the connection is closed as the daemon's answer arrives; 'hold': the answer is swallowed
 *  and the connection kept open until the caller gives up on it. */
export type LostAnswer = 'drop' | 'hold';

export interface DockerRelay {
  url: string;
  /** Drops every relayed connection and closes new ones at once, until up(). */
  down(): void;
  up(): void;
  /** Only from `onRequest`: the request it was shown goes on to the daemon, but its answer is lost. */
  loseAnswer(how: LostAnswer): void;
  /** Only from `onRequest`: the request it was shown reaches the daemon `ms` later, even if the
   *  caller has given up on it meanwhile (as a daemon slow to get to it would act late), and its
   *  answer is lost. */
  delayRequest(ms: number): void;
  /** The requests whose answer came from the daemon (so it had acted) and went nowhere: their
   *  request lines, and when (ms since the epoch) the answer arrived. */
  readonly lost: Array<{ line: string; at: number }>;
  close(): Promise<void>;
}

/** `onRequest` gets "METHOD /path?query" for each request, before it is passed on, and the text of
 *  the chunk that carried it: its headers, and the body when it came with them (a small JSON body,
 *  such as a create's, comes in the same write as the headers from Node's http client). */
export async function startDockerRelay(socketPath: string, onRequest: (line: string, text: string) => void): Promise<DockerRelay> {
  const open = new Set<net.Socket>();
  let isUp = true;
  /** The connection whose request `onRequest` is being shown, and what becomes of its answer. */
  let showing: { client: net.Socket; line: string } | null = null;
  const losing = new Map<net.Socket, { how: LostAnswer; line: string; seen: boolean }>();
  const lost: Array<{ line: string; at: number }> = [];
  /** Connections whose request waits to be passed on (`chunks` until then), and then their answer. */
  const delayed = new Map<net.Socket, { line: string; chunks: Buffer[] | null }>();
  const daemons = new Map<net.Socket, net.Socket>();
  const server = net.createServer((client) => {
    if (!isUp) {
      client.destroy();
      return;
    }
    const daemon = net.connect(socketPath);
    daemons.set(client, daemon);
    client.on('close', () => daemons.delete(client));
    for (const s of [client, daemon]) {
      open.add(s);
      s.on('error', () => undefined);
      s.on('close', () => open.delete(s));
    }
    // A delayed request still reaches the daemon after its caller left: the daemon's side closes
    // once it answered.
    client.on('close', () => !delayed.has(client) && daemon.destroy());
    daemon.on('close', () => client.destroy());
    client.on('close', () => losing.delete(client));
    client.on('data', (chunk: Buffer) => {
      try {
        const text = chunk.toString('latin1');
        for (const m of text.matchAll(/^([A-Z]+) (\S+) HTTP\/1\.[01]\r$/gm)) {
          showing = { client, line: `${m[1]} ${m[2]}` };
          onRequest(showing.line, text);
        }
      } finally {
        showing = null;
      }
      if (!isUp) return; // taken down at this request: it never reaches the daemon
      const held = delayed.get(client);
      if (held?.chunks) {
        held.chunks.push(chunk);
        return;
      }
      if (!daemon.write(chunk)) client.pause();
    });
    daemon.on('drain', () => client.resume());
    daemon.on('data', (chunk: Buffer) => {
      if (delayed.has(client)) {
        lost.push({ line: delayed.get(client)!.line, at: Date.now() });
        delayed.delete(client);
        daemon.destroy();
        client.destroy();
        return;
      }
      const losingIt = losing.get(client);
      if (losingIt && !losingIt.seen) {
        // The daemon has acted (it answers only then): the answer goes nowhere.
        losingIt.seen = true;
        lost.push({ line: losingIt.line, at: Date.now() });
      }
      if (losingIt?.how === 'drop') {
        client.destroy();
        daemon.destroy();
      }
      if (losingIt) return;
      if (!client.write(chunk)) daemon.pause();
    });
    client.on('drain', () => daemon.resume());
    daemon.on('end', () => client.end());
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
    delayRequest: (ms) => {
      if (!showing) throw new Error('delayRequest() is only for the request onRequest is shown');
      const client = showing.client;
      const daemon = daemons.get(client)!;
      const held = { line: showing.line, chunks: [] as Buffer[] | null };
      delayed.set(client, held);
      setTimeout(() => {
        for (const c of held.chunks ?? []) daemon.write(c);
        held.chunks = null;
      }, ms);
    },
    loseAnswer: (how) => {
      if (!showing) throw new Error('loseAnswer() is only for the request onRequest is shown');
      losing.set(showing.client, { how, line: showing.line, seen: false });
    },
    lost,
    close: () => new Promise<void>((resolve) => {
      dropAll();
      server.close(() => resolve());
    }),
  };
}
