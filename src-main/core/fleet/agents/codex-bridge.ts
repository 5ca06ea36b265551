// The Codex bridge: a small Node program that drives `codex app-server` (JSON-RPC over stdio) for
// one task and prints JSON lines the engine's stream parser reads — so it runs wherever the agent
// runs (this computer, or any host with Node), exactly like the shell agent's client.
//
// Why a bridge and not `codex exec`: exec forces the approval policy to "never", so Codex's own
// shell and patch tools would never pass through Shoal's policy. The app server, with
// approvalPolicy "untrusted", asks its client before every command and file change; the bridge
// forwards each question to the attempt's gateway (the same approval_prompt tool Claude Code uses)
// and returns the verdict as Codex's accept / decline / cancel. Codex's CODEX_HOME is a fresh temp
// dir per attempt (config written here, removed at exit): the user's ~/.codex is never read or touched.
//
// The program is the function below, serialised with Function#toString (it must stay
// self-contained: no imports, no outer variables; built-in modules come from
// process.getBuiltinModule). Its settings arrive as the argument, its inputs as environment.
import type * as ChildProcess from 'node:child_process';
import type * as Fs from 'node:fs';
import type * as Http from 'node:http';
import type * as Os from 'node:os';
import type * as Path from 'node:path';
import type * as Readline from 'node:readline';

/** The app-server protocol this bridge speaks was checked against these Codex versions. */
export const CODEX_VERSION_RANGE = { min: '0.171.0', below: '0.172.0' } as const;

export interface CodexBridgeSettings {
  versionRange: { min: string; below: string };
}

/** What the bridge prints besides Codex's own notifications (all `{method, params}` lines). */
export type BridgeLine =
  | { method: 'shoal/started'; params: { codexVersion: string; threadId: string; turnId: string } }
  | { method: 'shoal/approval'; params: { itemId: string; kind: 'command' | 'fileChange' | 'mcpToolCall'; subject: string; decision: string; message?: string } }
  | { method: 'shoal/error'; params: { message: string } };

export function codexBridgeMain(settings: CodexBridgeSettings): void {
  const cp = process.getBuiltinModule('node:child_process') as typeof ChildProcess;
  const fs = process.getBuiltinModule('node:fs') as typeof Fs;
  const http = process.getBuiltinModule('node:http') as typeof Http;
  const os = process.getBuiltinModule('node:os') as typeof Os;
  const path = process.getBuiltinModule('node:path') as typeof Path;
  const readline = process.getBuiltinModule('node:readline') as typeof Readline;

  const env = process.env;
  const instructions = process.argv[process.argv.length - 1] ?? '';
  const gatewayUrl = env.SHOAL_GATEWAY_URL ? new URL(env.SHOAL_GATEWAY_URL) : null;
  const workdir = env.SHOAL_WORKDIR ?? process.cwd();
  const print = (line: Record<string, unknown>): void => {
    process.stdout.write(JSON.stringify(line) + '\n');
  };
  let home: string | null = null;
  let child: ChildProcess.ChildProcess | null = null;
  let finished = false;
  const finish = (code: number, message?: string): void => {
    if (finished) return;
    finished = true;
    if (message) {
      print({ method: 'shoal/error', params: { message } });
      process.stderr.write(`shoal: ${message}\n`);
    }
    process.exitCode = code;
    // The private CODEX_HOME goes only once Codex has let go of it: removed while Codex still writes
    // its session files, it throws ENOTEMPTY and the bridge would exit 1 after a turn that passed.
    const leave = (): void => {
      if (home) {
        try {
          fs.rmSync(home, { recursive: true, force: true, maxRetries: 3 });
        } catch {
          // Codex outlived its grace; the directory is in the temp dir, with nothing secret in it.
        }
      }
      // Let stdout drain, then go.
      setTimeout(() => process.exit(code), 50).unref();
    };
    const codex = child;
    if (codex && codex.exitCode === null && codex.signalCode === null) {
      codex.once('exit', leave);
      codex.kill('SIGTERM');
      setTimeout(() => codex.kill('SIGKILL'), 1_500).unref();
      setTimeout(leave, 2_000).unref();
    } else leave();
  };

  // ── CODEX_HOME: a private config for this attempt ──────────────────────────────────────────
  const toml = (s: string): string => JSON.stringify(s); // a JSON string is a valid TOML basic string
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-codex-'));
  const baseUrl = env.OPENAI_BASE_URL || 'https://api.openai.com/v1';
  const config = [
    ...(env.SHOAL_CODEX_MODEL ? [`model = ${toml(env.SHOAL_CODEX_MODEL)}`] : []),
    'model_provider = "shoal"',
    // Nothing of the user's: no history file, no update checks.
    'check_for_update_on_startup = false',
    '[history]',
    'persistence = "none"',
    '[model_providers.shoal]',
    'name = "Shoal"',
    `base_url = ${toml(baseUrl)}`,
    'wire_api = "responses"',
    ...(env.OPENAI_API_KEY ? ['env_key = "OPENAI_API_KEY"'] : []),
    ...(gatewayUrl ? ['[mcp_servers.shoal]', `url = ${toml(gatewayUrl.toString())}`] : []),
  ];
  fs.writeFileSync(path.join(home, 'config.toml'), config.join('\n') + '\n', { mode: 0o600 });
  if (!env.OPENAI_API_KEY && !env.OPENAI_BASE_URL) {
    finish(2, 'Codex needs an OpenAI API key (OPENAI_API_KEY, or the key in Settings → Agents) or a base URL (OPENAI_BASE_URL) of a compatible provider.');
    return;
  }

  // ── the gateway: Shoal's policy and approvals ─────────────────────────────────────────────
  let rpcId = 1;
  const gatewayOnce = (args: Record<string, unknown>): Promise<Record<string, unknown>> => new Promise((resolve, reject) => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: rpcId++, method: 'tools/call', params: { name: 'approval_prompt', arguments: args } });
    const req = http.request(gatewayUrl!, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let buf = '';
      let done = false;
      const take = (msg: { id?: unknown; error?: { message?: string }; result?: { content?: Array<{ text?: string }> } }): void => {
        if (done || msg.id === undefined) return;
        done = true;
        if (msg.error) reject(Object.assign(new Error(msg.error.message ?? 'gateway error'), { fatal: true }));
        else resolve(JSON.parse(msg.result?.content?.[0]?.text ?? '{}') as Record<string, unknown>);
      };
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const data = buf.slice(0, i).split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
          buf = buf.slice(i + 2);
          if (data) {
            try {
              take(JSON.parse(data) as Parameters<typeof take>[0]);
            } catch {
              // not JSON: a keep-alive
            }
          }
        }
      });
      res.on('end', () => {
        if (!done && buf.trim()) {
          try {
            take(JSON.parse(buf) as Parameters<typeof take>[0]);
          } catch {
            // fall through
          }
        }
        if (!done) reject(Object.assign(new Error(`the gateway answered HTTP ${res.statusCode} without a result`), { fatal: (res.statusCode ?? 500) >= 400 && (res.statusCode ?? 500) < 500 }));
      });
      // Cut while it waited (a dropped forward): without this listener Node reports nothing at all
      // (no 'end', no 'error') and the turn would wait forever. The gateway was there: ask again.
      res.on('error', (e) => reject(Object.assign(e, { cut: true })));
    });
    req.on('error', reject);
    req.end(body);
  });
  // A dropped connection is retried: the same call id finds the same pending request. The 30 s
  // count from when the gateway was lost, not from the first ask (a person may take minutes).
  const askGateway = async (toolName: string, input: Record<string, unknown>, callId: string): Promise<{ behavior: string; message?: string; interrupt?: boolean }> => {
    let until = 0;
    for (let wait = 200; ; wait = Math.min(wait * 2, 2000)) {
      try {
        return (await gatewayOnce({ tool_name: toolName, input, tool_use_id: callId })) as { behavior: string; message?: string; interrupt?: boolean };
      } catch (e) {
        if ((e as { fatal?: boolean }).fatal) throw e;
        if (!until || (e as { cut?: boolean }).cut) {
          until = Date.now() + 30_000;
          wait = 200;
        }
        if (Date.now() > until) throw e;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  };

  // ── Codex's app server ────────────────────────────────────────────────────────────────────
  child = cp.spawn(env.SHOAL_CODEX_BIN || 'codex', ['app-server'], { cwd: workdir, env: { ...env, CODEX_HOME: home }, stdio: ['pipe', 'pipe', 'inherit'] });
  child.on('error', (e: NodeJS.ErrnoException) => {
    finish(127, e.code === 'ENOENT'
      ? `could not start Codex: "${env.SHOAL_CODEX_BIN || 'codex'}" is not installed or not on PATH (npm install -g @openai/codex, or set its path in Settings → Agents)`
      : `could not start Codex: ${e.message}`);
  });
  child.on('exit', (code, signal) => finish(code === 0 ? 1 : code ?? 1, `Codex's app server exited (${signal ?? `code ${code}`}) before the turn ended`));
  const stdin = child.stdin!;
  const send = (msg: Record<string, unknown>): void => {
    if (!stdin.destroyed) stdin.write(JSON.stringify({ jsonrpc: '2.0', ...msg }) + '\n');
  };
  const waiting = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const request = (method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> => new Promise((resolve, reject) => {
    const id = nextId++;
    waiting.set(id, { resolve, reject });
    send({ id, method, params });
  });

  const fileChanges = new Map<string, Array<{ path: string; kind: { type: string; move_path?: string | null }; diff: string }>>();
  let threadId = '';
  let turnId = '';
  // Deltas and account chatter would only fill the log: the completed items carry the same text.
  const QUIET = /(^|\/)(delta|outputDelta)$|Delta$|^account\/|^remoteControl\/|^thread\/status\/changed$|^mcpServer\/startupStatus/;

  // "/bin/bash -lc 'echo hi'" → "echo hi": the policy judges what the model wrote.
  const unwrap = (command: string): string => {
    const m = /^\S*\b(?:ba|z)?sh\s+-l?c\s+'((?:[^']|'\\'')*)'$/.exec(command);
    return m ? m[1]!.replace(/'\\''/g, "'") : command;
  };
  const decisionOf = (v: { behavior: string; interrupt?: boolean }): string => (v.behavior === 'allow' ? 'accept' : v.interrupt ? 'cancel' : 'decline');
  // Codex's approval answer is a bare decision (no field for a reason: the model would only hear
  // "rejected by user"), so Shoal's reason follows it into the running turn as a steer message.
  const tellReason = (what: string, decision: string, message: string | undefined): void => {
    if (decision !== 'decline' || !message || !threadId || !turnId) return;
    const text = `Shoal declined ${what}: ${message}`;
    request('turn/steer', { threadId, expectedTurnId: turnId, input: [{ type: 'text', text, text_elements: [] }] }).catch(() => undefined);
  };

  const answerServerRequest = async (msg: { id: number | string; method: string; params: Record<string, unknown> }): Promise<void> => {
    const p = msg.params;
    const itemId = String(p.itemId ?? '');
    if (!gatewayUrl) {
      send({ id: msg.id, result: { decision: 'accept' } });
      return;
    }
    try {
      if (msg.method === 'item/commandExecution/requestApproval') {
        const command = unwrap(String(p.command ?? ''));
        // Codex runs a command in the folder it names (its `workdir`), and `cat key` there reads
        // that folder's key: the gateway judges it from there.
        const cwd = typeof p.cwd === 'string' && p.cwd !== '' ? { cwd: path.resolve(workdir, p.cwd) } : {};
        const verdict = await askGateway('exec_shell', { command, ...cwd, ...(typeof p.reason === 'string' ? { reason: p.reason } : {}) }, `codex-${itemId}${p.approvalId ? `-${String(p.approvalId)}` : ''}`);
        const decision = decisionOf(verdict);
        print({ method: 'shoal/approval', params: { itemId, kind: 'command', subject: command, decision, ...(verdict.message ? { message: verdict.message } : {}) } });
        send({ id: msg.id, result: { decision } });
        tellReason(`the command \`${command}\``, decision, verdict.message);
        return;
      }
      if (msg.method === 'item/fileChange/requestApproval') {
        // The request names the item; its changes (path, kind, diff) came with item/started.
        const changes = fileChanges.get(itemId) ?? [];
        let decision = 'accept';
        let message: string | undefined;
        // A moved file (`*** Move to:`) is written where it moves to: that path is judged as well.
        const questions = changes.flatMap((change, i) => [
          { path: change.path, kind: change.kind.type, diff: change.diff, callId: `codex-${itemId}-${i}` },
          ...(change.kind.move_path ? [{ path: change.kind.move_path, kind: 'update', diff: change.diff, callId: `codex-${itemId}-${i}-to` }] : []),
        ]);
        for (const q of questions) {
          const verdict = await askGateway('codex_file_change', { path: q.path, kind: q.kind, diff: q.diff }, q.callId);
          if (verdict.behavior !== 'allow') {
            decision = decisionOf(verdict);
            message = verdict.message;
            break;
          }
        }
        const subject = changes.map((c) => (c.kind.move_path ? `${c.path} → ${c.kind.move_path}` : c.path)).join(', ');
        print({ method: 'shoal/approval', params: { itemId, kind: 'fileChange', subject, decision, ...(message ? { message } : {}) } });
        send({ id: msg.id, result: { decision } });
        tellReason(`the change to ${subject}`, decision, message);
        return;
      }
      if (msg.method === 'mcpServer/elicitation/request' && p.serverName === 'shoal') {
        // Codex asks before each MCP tool call; Shoal's own server judges its calls itself (policy,
        // and a person when it asks) as they arrive, so asking here too would ask twice.
        print({ method: 'shoal/approval', params: { itemId, kind: 'mcpToolCall', subject: String(p.message ?? ''), decision: 'accept', message: "judged by Shoal's gateway when called" } });
        send({ id: msg.id, result: { action: 'accept', content: {} } });
        return;
      }
      send({ id: msg.id, error: { code: -32601, message: `Shoal does not answer ${msg.method}` } });
    } catch (e) {
      // The gateway is gone (the attempt ended): refuse, never run unjudged.
      send({ id: msg.id, result: { decision: 'cancel' } });
      finish(126, `the tool gateway could not be reached: ${(e as Error).message}`);
    }
  };

  const onTurnCompleted = (turn: { status?: string; error?: { message?: string } | null }): void => {
    if (turn.status === 'completed') finish(0);
    else if (turn.status === 'interrupted') finish(130, 'the turn was interrupted');
    else finish(1, `the turn failed: ${turn.error?.message ?? turn.status ?? 'unknown'}`);
  };

  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    let msg: { id?: number | string; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { message?: string } };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return;
    }
    if (msg.method && msg.id !== undefined) {
      void answerServerRequest(msg as { id: number | string; method: string; params: Record<string, unknown> });
      return;
    }
    if (msg.id !== undefined) {
      const w = waiting.get(Number(msg.id));
      waiting.delete(Number(msg.id));
      if (msg.error) w?.reject(new Error(msg.error.message ?? 'app-server error'));
      else w?.resolve(msg.result ?? {});
      return;
    }
    if (!msg.method) return;
    const params = msg.params ?? {};
    const item = params.item as { type?: string; id?: string; changes?: Array<{ path: string; kind: { type: string }; diff: string }> } | undefined;
    if (msg.method === 'item/started' && item?.type === 'fileChange' && item.id) fileChanges.set(item.id, item.changes ?? []);
    if (!QUIET.test(msg.method)) print({ method: msg.method, params });
    if (msg.method === 'turn/completed') onTurnCompleted((params.turn ?? {}) as { status?: string });
  });

  const stop = (signal: string): void => {
    // Abort: interrupt the turn (Codex stops its command), then leave.
    if (threadId && turnId) send({ id: nextId++, method: 'turn/interrupt', params: { threadId, turnId } });
    setTimeout(() => finish(signal === 'SIGINT' ? 130 : 143), 1500).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  const parse = (v: string): number[] => v.split('.').map((n) => Number.parseInt(n, 10));
  const below = (a: number[], b: number[]): boolean => {
    for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
    return false;
  };

  void (async () => {
    const init = await request('initialize', { clientInfo: { name: 'shoal', title: 'Shoal', version: env.SHOAL_VERSION ?? '0.1.0' }, capabilities: null });
    const version = /\/(\d+\.\d+\.\d+)/.exec(String(init.userAgent ?? ''))?.[1] ?? '';
    const { min, below: max } = settings.versionRange;
    if (!version || below(parse(version), parse(min)) || !below(parse(version), parse(max))) {
      finish(2, `Codex ${version || '(unknown version)'} is not supported: Shoal speaks the app-server protocol of Codex ${min} up to (not including) ${max}. Install a matching @openai/codex.`);
      return;
    }
    send({ method: 'initialized' });
    const started = await request('thread/start', {
      cwd: workdir, ephemeral: true,
      // Every command and file change is asked for; Shoal's policy is the sandbox's gate.
      approvalPolicy: gatewayUrl ? 'untrusted' : 'never', sandbox: 'danger-full-access',
      ...(env.SHOAL_CODEX_MODEL ? { model: env.SHOAL_CODEX_MODEL } : {}),
    });
    threadId = String((started.thread as { id?: string } | undefined)?.id ?? '');
    const turn = await request('turn/start', { threadId, input: [{ type: 'text', text: instructions, text_elements: [] }] });
    turnId = String((turn.turn as { id?: string } | undefined)?.id ?? '');
    print({ method: 'shoal/started', params: { codexVersion: version, threadId, turnId } });
  })().catch((e: Error) => finish(1, `Codex refused the session: ${e.message}`));
}

/** The program `node -e` runs: the function above, called with its settings. */
export const CODEX_BRIDGE_SCRIPT = `(${codexBridgeMain.toString()})(${JSON.stringify({ versionRange: CODEX_VERSION_RANGE } satisfies CodexBridgeSettings)});\n`;
