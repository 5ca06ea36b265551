// The real Codex CLI under a real headless host: its command waits in the approval dialog, a
// person approves it in Chromium, Codex runs it and the task passes. The model is the scripted one
// on 127.0.0.1 (OpenAI Responses API); the key and base URL reach Codex through the task's env.
import path from 'node:path';
import { replay, startModelServer, type ModelServer } from '../src-main/core/test-support/model-server';
import { expect, test } from './fixtures/shoal-host';
import { callHost } from './fixtures/host-call';
import { ApprovalDialog } from './pages/approvals-page';
import { ShellPage } from './pages/shell-page';

const CODEX_BIN = path.resolve(import.meta.dirname, '..', 'node_modules', '.bin', 'codex');
let model: ModelServer;

test.beforeAll(async () => {
  model = await startModelServer({
    script: replay([{ text: 'Marking the release.', toolCalls: [{ name: 'exec_command', input: { cmd: 'touch released.txt' } }] }, { text: 'Released.' }]),
  });
});
test.afterAll(async () => {
  await model.close();
});

test('a Codex command waits in the dialog; approved, Codex runs it and the task passes', async ({ page, host }) => {
  test.setTimeout(120_000);
  const spec = {
    name: 'Codex release',
    worker_specs: [{ id: 'codex-worker', name: 'codex worker', host: { kind: 'local' }, capabilities: [], max_concurrent_tasks: 1 }],
    task_specs: [{
      id: 'release', name: 'Mark the release', instructions: 'Mark the release as done.', retry_policy: { max_attempts: 1 },
      scorer: { kind: 'file_exists', path: 'released.txt' },
      metadata: {
        agent: 'codex', model: 'scripted-model',
        env: { OPENAI_BASE_URL: model.openaiBaseUrl, OPENAI_API_KEY: 'sk-e2e-test', SHOAL_CODEX_BIN: CODEX_BIN },
        policy: { rules: [{ id: 'ask-touch', tool: 'exec_shell', prefix: 'touch', action: 'ask', note: 'Releases are marked by a person.' }] },
      },
    }],
  };
  const shell = new ShellPage(page);
  await shell.open(host.url);
  const { runId } = await callHost(host, 'specs.launch', { text: JSON.stringify(spec), filename: 'codex.json' });
  const dialog = new ApprovalDialog(page);
  await dialog.expectCommand('touch released.txt');
  await expect(dialog.rule).toContainText('tool=exec_shell command=touch');
  await dialog.decision('approved').click();
  await expect(dialog.root).toBeHidden({ timeout: 30_000 });
  await expect.poll(async () => {
    const { tasks } = await callHost(host, 'runs.get', { runId });
    return tasks[0]?.state;
  }, { timeout: 60_000 }).toBe('passed');
  // Codex's turn reached the model again with the command's result.
  expect(model.agentRequests().at(-1)!.toolResults.join('\n')).toContain('Process exited with code 0');
});
