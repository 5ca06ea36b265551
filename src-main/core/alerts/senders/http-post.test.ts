// How one POST's failure reads, against real sockets on 127.0.0.1: the cause in a person's words
// (never "TypeError", never the URL), and a port fetch refuses outright is not retried.
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { postRequest } from './http-post';

const req = (url: string) => ({ url, headers: { 'content-type': 'application/json' }, body: '{}' });

describe('postRequest', () => {
  it('names the socket error of a refused connection, and retries it', async () => {
    // A port nothing listens on: bound, then closed again.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await postRequest(req(`http://127.0.0.1:${port}/hook`), 5_000)).toEqual({ kind: 'retry', error: `no response from 127.0.0.1:${port}: ECONNREFUSED`, retryAfterMs: null });
  });

  it('names the host that did not answer, never the secret path or query of its URL', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = await postRequest(req(`http://127.0.0.1:${port}/services/T0/B0/s3cret?token=s3cret`), 5_000);
    expect(result.kind).toBe('retry');
    const error = (result as { error: string }).error;
    expect(error).toBe(`no response from 127.0.0.1:${port}: ECONNREFUSED`);
    expect(error).not.toMatch(/s3cret|services/);
  });

  it('refuses for good a port fetch will never connect to, saying why', async () => {
    const r = await postRequest(req('http://127.0.0.1:1/hook'), 5_000);
    expect(r.kind).toBe('fatal');
    if (r.kind !== 'fatal') throw new Error('unreachable');
    expect(r.error).toContain('"bad port"');
    expect(r.error).not.toContain('127.0.0.1');
  });

  it('delivers to a receiver that answers 2xx', async () => {
    const server = http.createServer((_, res) => res.writeHead(204).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      expect(await postRequest(req(`http://127.0.0.1:${port}/hook`), 5_000)).toEqual({ kind: 'delivered', status: 204 });
    } finally {
      server.close();
    }
  });
});
