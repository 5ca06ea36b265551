// The shell agent on a bare machine: a tiny Node client (run with Shoal's own Node, or Electron as
// Node) that sends the task's instructions to the gateway as one exec_shell call through the
// approval tool, and runs them only when the policy — or a person — allows. The command runs as
// this client's child, in the agent's process group, so timeouts, cancel, crash recovery and the
// heartbeat's CPU and memory cover it exactly as before; its output streams to the agent log live.
// Exit code: the command's own; 126 when refused (POSIX "cannot execute"); 130 when aborted.
// Plain CommonJS so it runs with `node -e` and no files on disk.
export const SHELL_CLIENT_SCRIPT = String.raw`
'use strict';
const http = require('http');
const { spawn } = require('child_process');
const target = new URL(process.env.SHOAL_GATEWAY_URL);
const command = process.argv[process.argv.length - 1];
const callId = 'shell-' + (process.env.SHOAL_RUN_ID || '') + '/' + (process.env.SHOAL_TASK_ID || '') + '#' + (process.env.SHOAL_ATTEMPT || '1');
let nextId = 1;

function call(name, args) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name, arguments: args } });
    const req = http.request(target, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let buf = '';
      let done = false;
      const take = (msg) => {
        if (done || !msg || msg.id === undefined) return;
        done = true;
        if (msg.error) reject(Object.assign(new Error(msg.error.message || 'gateway error'), { fatal: true }));
        else resolve(msg.result);
      };
      res.setEncoding('utf8');
      res.on('data', (d) => {
        buf += d;
        if (!String(res.headers['content-type'] || '').includes('text/event-stream')) return;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
          if (data) { try { take(JSON.parse(data)); } catch (e) { /* not JSON: ignore */ } }
        }
      });
      res.on('end', () => {
        if (!done && buf.trim()) { try { take(JSON.parse(buf)); } catch (e) { /* fall through */ } }
        if (!done) reject(Object.assign(new Error('the gateway answered HTTP ' + res.statusCode + ' without a result'), { fatal: res.statusCode >= 400 && res.statusCode < 500 }));
      });
      // Cut while it waited (a dropped forward): the gateway was there; ask it again.
      res.on('error', (e) => reject(Object.assign(e, { cut: true })));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// A dropped connection is retried (the same call id finds the same pending request); after 30 s
// without the gateway the agent gives up. The 30 s count from when the gateway was lost, not from
// the first ask: a connection cut after minutes of waiting for a person is asked again too.
async function callPatiently(name, args) {
  let until = 0;
  for (let wait = 200; ; wait = Math.min(wait * 2, 2000)) {
    try {
      return await call(name, args);
    } catch (e) {
      if (e.fatal) throw e;
      if (!until || e.cut) { until = Date.now() + 30000; wait = 200; }
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

(async () => {
  const answer = await callPatiently('approval_prompt', { tool_name: 'exec_shell', input: { command }, tool_use_id: callId });
  const text = answer && answer.content && answer.content[0] && answer.content[0].text;
  const verdict = JSON.parse(text || '{}');
  if (verdict.behavior !== 'allow') {
    process.stdout.write('shoal: ' + (verdict.message || 'refused') + '\n');
    process.exit(verdict.interrupt ? 130 : 126);
  }
  const toRun = (verdict.updatedInput && typeof verdict.updatedInput.command === 'string') ? verdict.updatedInput.command : command;
  const child = spawn('bash', ['--noprofile', '--norc', '-c', toRun], { stdio: 'inherit' });
  const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => child.kill(s));
  child.on('error', (e) => { process.stderr.write('shoal: could not start bash: ' + e.message + '\n'); process.exit(127); });
  child.on('exit', async (code, signal) => {
    const exit = code === null ? 128 + (SIGNALS[signal] || 1) : code;
    await Promise.race([call('shell_result', { call_id: callId, exit_code: exit }).catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    process.exit(exit);
  });
})().catch((e) => {
  process.stderr.write('shoal: the tool gateway could not be reached: ' + e.message + '\n');
  process.exit(126);
});
`;
