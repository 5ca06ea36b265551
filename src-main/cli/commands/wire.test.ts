import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from './wire';

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

const RETRY = '{"type":"FleetRetryPolicy","value":{}}';
const RETRY_OK = '{"ok":true,"type":"FleetRetryPolicy","value":{"max_attempts":3,"initial_backoff_seconds":5,"max_backoff_seconds":300,"backoff_multiplier":2}}';

describe('shoal wire', () => {
  it('answers every non-blank line in order and exits 0', async () => {
    const stdin = new PassThrough();
    const out = collect();
    const err = collect();
    const done = run([], { stdin, stdout: out.stream, stderr: err.stream });
    stdin.end(`${RETRY}\n\n   \r\nnot json\r\n{"type":"FleetRunStatus","value":"paused"}`); // last line without newline
    expect(await done).toBe(0);
    expect(out.text().split('\n')).toEqual([
      RETRY_OK,
      '{"ok":false,"type":null,"error":"(root): invalid JSON: Unexpected token \\"o\\" in JSON at position 1"}',
      '{"ok":true,"type":"FleetRunStatus","value":"paused"}',
      '',
    ]);
    expect(err.text()).toBe('');
  });

  it('answers a line as soon as it arrives (a driver may wait for each answer)', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const done = run([], { stdin, stdout, stderr: new PassThrough() });
    for (let k = 0; k < 3; k++) {
      const answer = new Promise<string>((resolve) => stdout.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8'))));
      stdin.write(RETRY + '\n');
      expect(await answer).toBe(RETRY_OK + '\n');
    }
    stdin.end();
    expect(await done).toBe(0);
  });

  it('respects backpressure from a slow stdout and loses nothing', async () => {
    const stdin = new PassThrough();
    const chunks: string[] = [];
    const stdout = new Writable({
      highWaterMark: 64,
      write(chunk: Buffer, _enc, callback) {
        chunks.push(chunk.toString('utf8'));
        setTimeout(callback, 1);
      },
    });
    const done = run([], { stdin, stdout, stderr: new PassThrough() });
    const n = 2000;
    stdin.end(Array.from({ length: n }, (_, k) => `{"type":"FleetRunStatus","value":"${k % 2 ? 'running' : 'paused'}"}`).join('\n'));
    expect(await done).toBe(0);
    const lines = chunks.join('').split('\n');
    expect(lines).toHaveLength(n + 1);
    expect(lines[0]).toBe('{"ok":true,"type":"FleetRunStatus","value":"paused"}');
    expect(lines[n - 1]).toBe('{"ok":true,"type":"FleetRunStatus","value":"running"}');
  });

  it('answers every one of 100k lines, in order', async () => {
    const stdin = new PassThrough();
    const out = collect();
    const done = run([], { stdin, stdout: out.stream, stderr: new PassThrough() });
    const event = '{"type":"FleetWorkerEvent","value":{"seq":18446744073709551615,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"2026-06-12T17:01:00Z","state":"running_tool","tool":"bash","extra":{"b":1,"a":2.5}}}';
    const block = (event + '\n').repeat(1000);
    for (let k = 0; k < 100; k++) stdin.write(block);
    stdin.end();
    expect(await done).toBe(0);
    const lines = out.text().split('\n');
    expect(lines).toHaveLength(100_001);
    expect(lines[99_999]).toBe(
      '{"ok":true,"type":"FleetWorkerEvent","value":{"seq":18446744073709551615,"run_id":"r","worker_id":"w","task_id":"t","timestamp":"2026-06-12T17:01:00Z","state":"running_tool","tool":"bash","extra":{"a":2.5,"b":1}}}',
    );
  }, 30_000);

  it('stops quietly when the reader goes away (EPIPE), and fails on other output errors', async () => {
    const broken = (code: string) =>
      new Writable({
        write(_chunk, _enc, callback) {
          callback(Object.assign(new Error(`write ${code}`), { code }));
        },
      });
    const lines = `${RETRY}\n`.repeat(50);
    const stdin = new PassThrough();
    const epipe = run([], { stdin, stdout: broken('EPIPE'), stderr: new PassThrough() });
    stdin.end(lines);
    expect(await epipe).toBe(0);
    const stdin2 = new PassThrough();
    const err = collect();
    const eio = run([], { stdin: stdin2, stdout: broken('EIO'), stderr: err.stream });
    stdin2.end(lines);
    expect(await eio).toBe(1);
    expect(err.text()).toContain('cannot write output: write EIO');
  });

  it('prints usage for --help and refuses other arguments', async () => {
    const out = collect();
    expect(await run(['--help'], { stdin: new PassThrough(), stdout: out.stream, stderr: new PassThrough() })).toBe(0);
    expect(out.text()).toContain('usage: shoal wire');
    const err = collect();
    expect(await run(['--fast'], { stdin: new PassThrough(), stdout: new PassThrough(), stderr: err.stream })).toBe(2);
    expect(err.text()).toContain('unexpected argument "--fast"');
  });
});
