// The headless host answers only with the token, only to loopback names, only to its own origin,
// and serves nothing outside the renderer folder.
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ShoalCore } from '../core/shoal';
import { tempCore, tempDir } from '../core/test-support/temp-core';
import { waitFor } from '../core/test-support/wait-for';
import { MAX_UNREAD_BYTES, startHeadlessServer, type HeadlessServer } from './server';

let core: ShoalCore;
let server: HeadlessServer;
let rendererDir: string;

beforeAll(async () => {
  core = tempCore();
  rendererDir = tempDir('shoal-renderer-');
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Shoal</title>');
  fs.mkdirSync(path.join(rendererDir, 'assets'));
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(path.dirname(rendererDir), 'secret.txt'), 'nope');
  server = await startHeadlessServer({ core, rendererDir });
});
afterAll(async () => {
  await server.close();
  core.close();
});

function get(pathAndQuery: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: server.port, path: pathAndQuery, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
  });
}

function socket(query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

/** The TCP socket under a client: pausing it stops reading, as a stuck page does. */
function rawSocket(ws: WebSocket): net.Socket {
  return (ws as unknown as { _socket: net.Socket })._socket;
}

function call(ws: WebSocket, id: number, method: string, input: unknown): Promise<{ id: number; envelope: { ok: boolean; value?: unknown; error?: { code: string; message: string; issues?: string[] } } }> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const msg = JSON.parse(data.toString());
      if (msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, method, input }));
  });
}

describe('headless host', () => {
  it('prints a loopback URL with a token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
  });

  it('refuses pages without the right token and serves them with it', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/?token=wrong')).status).toBe(401);
    const ok = await get(`/?token=${server.token}`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-security-policy']).toContain("default-src 'self'");
    expect(String(ok.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    // Assets then load with the cookie alone.
    expect((await get('/assets/app.js', { cookie: `shoal_token=${server.token}` })).status).toBe(200);
  });

  it('answers only to loopback host names (DNS rebinding)', async () => {
    expect((await get(`/?token=${server.token}`, { host: `evil.example:${server.port}` })).status).toBe(421);
  });

  it('never serves files outside the renderer folder', async () => {
    const r = await get(`/..%2fsecret.txt?token=${server.token}`);
    expect(r.body).not.toContain('nope');
    const r2 = await get(`/assets/../../secret.txt?token=${server.token}`);
    expect(r2.body).not.toContain('nope');
  });

  it('refuses sockets without the token or from another origin', async () => {
    await expect(socket('')).rejects.toThrow(/401/);
    await expect(socket('?token=wrong')).rejects.toThrow(/401/);
    await expect(socket(`?token=${server.token}`, { origin: 'http://evil.example' })).rejects.toThrow(/401/);
  });

  it('round-trips contract calls and reports bad input by field', async () => {
    const ws = await socket(`?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
    const echo = await call(ws, 1, 'app.echo', { text: 'hi' });
    expect(echo.envelope).toMatchObject({ ok: true, value: { text: 'hi' } });
    const bad = await call(ws, 2, 'runs.list', { limit: 'ten' });
    expect(bad.envelope.ok).toBe(false);
    expect(bad.envelope.error!.code).toBe('invalid_input');
    expect(bad.envelope.error!.issues![0]).toMatch(/^limit: /);
    const unknown = await call(ws, 3, 'fs.readFile', { path: '/etc/passwd' });
    expect(unknown.envelope.error!.code).toBe('unknown_method');
    const extra = await call(ws, 4, 'app.info', { sneaky: true });
    expect(extra.envelope.error!.code).toBe('invalid_input');
    const missing = await call(ws, 5, 'runs.get', { runId: 'nope' });
    expect(missing.envelope.error).toMatchObject({ code: 'not_found', message: 'No run with id "nope".' });
    ws.close();
  });

  it('pushes invalidations to every socket after a successful change', async () => {
    const a = await socket(`?token=${server.token}`);
    const b = await socket(`?token=${server.token}`);
    const heard = new Promise<unknown>((resolve) => b.on('message', (d: Buffer) => {
      const msg = JSON.parse(d.toString());
      if (msg.event?.type === 'invalidate') resolve(msg.event);
    }));
    await call(a, 1, 'settings.set', { theme: 'dark' });
    expect(await heard).toMatchObject({ type: 'invalidate', families: ['settings'] });
    a.close();
    b.close();
  });

  it('drops a socket that stopped reading its pushed events, and keeps the ones that read', async () => {
    const stuck = await socket(`?token=${server.token}`);
    const reading = await socket(`?token=${server.token}`);
    rawSocket(stuck).pause();
    let heard = 0;
    reading.on('message', (d: Buffer) => (heard += d.length));
    let stuckClosed = false;
    stuck.once('close', () => (stuckClosed = true));
    let readingClosed = false;
    reading.once('close', () => (readingClosed = true));
    // Five times the limit, in flushes of 1 MB a bus tick apart: the stuck page's socket buffers fill,
    // then its unread bytes pass the limit.
    const body = 'x'.repeat(4096);
    const sent = 5 * MAX_UNREAD_BYTES;
    for (let pushed = 0; pushed < sent; pushed += 256 * body.length) {
      core.bus.workerEvents('r', Array.from({ length: 256 }, (_, i) => ({ seq: pushed + i, body })));
      await new Promise((r) => setTimeout(r, 70));
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(heard).toBeGreaterThan(sent);
    expect(readingClosed).toBe(false);
    // Reading again, the stuck page finds its connection gone (and would reconnect and refetch).
    rawSocket(stuck).resume();
    await waitFor('the stuck socket dropped', () => stuckClosed, 10_000);
    reading.close();
  }, 60_000);
});
