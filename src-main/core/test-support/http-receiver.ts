// A real HTTP server on 127.0.0.1 that records every request (method, path, headers, raw body) and
// answers each from a script: the Nth response is `script[N]`, the last one repeats. A response of
// 'hang' never answers (a receiver that stopped mid-request).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest { method: string; path: string; headers: http.IncomingHttpHeaders; body: string; at: number }
export type ScriptedResponse = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface HttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Called for each request as it arrives (after it is recorded). */
  onRequest: ((r: ReceivedRequest) => void) | null;
  close(): Promise<void>;
}

export async function startReceiver(script: ScriptedResponse[] = [{ status: 200 }]): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const open = new Set<http.ServerResponse>();
  const receiver: HttpReceiver = { url: '', requests, onRequest: null, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(r);
      const answer = script[Math.min(requests.length - 1, script.length - 1)] ?? { status: 200 };
      receiver.onRequest?.(r);
      if (answer === 'hang') {
        open.add(res);
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body ?? '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () => new Promise<void>((resolve) => {
    for (const res of open) res.destroy();
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return receiver;
}
