// Approvals against a real headless host running real shell agents: the dialog comes forward
// during a run (with the diff of a file write), decisions by click and by keyboard, batch approve
// in the inbox, the audit log, and the exec-policy rules with their tester in Settings.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures/shoal-host';
import { callHost } from './fixtures/host-call';
import { ApprovalDialog, ApprovalsInbox } from './pages/approvals-page';
import { SECTIONS, ShellPage } from './pages/shell-page';
import { TaskPage } from './pages/task-page';

const localWorker = (max: number) => [{ id: 'approvals-worker', name: 'approvals worker', host: { kind: 'local' }, capabilities: [], max_concurrent_tasks: max }];

async function taskStates(host: Parameters<typeof callHost>[0], runId: string): Promise<Record<string, string>> {
  const { tasks } = await callHost(host, 'runs.get', { runId });
  return Object.fromEntries(tasks.map((t) => [t.taskId, t.state]));
}

test('the dialog comes forward during a run; decisions by click and by keyboard', async ({ page, host }) => {
  test.setTimeout(120_000);
  // A task whose agent asks the gateway (over MCP) to rewrite a settings file: the dialog shows the diff.
  const writer = path.join(host.dataDir, 'write-env.mjs');
  fs.writeFileSync(writer, `
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'write_file',
  arguments: { path: 'config/app.env', content: 'MODE=production\\nWORKERS=8\\nLOG_LEVEL=info\\n', reason: 'Switch the service to production settings' } } });
const res = await fetch(process.env.SHOAL_GATEWAY_URL, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body });
const text = await res.text();
process.exit(text.includes('"isError":false') ? 0 : 1);
`);
  const spec = {
    name: 'Release chores', worker_specs: localWorker(1),
    task_specs: [
      {
        id: 'configure', name: 'Switch config to production', retry_policy: { max_attempts: 1 },
        instructions: `mkdir -p config && printf 'MODE=staging\\nWORKERS=2\\nLOG_LEVEL=info\\n' > config/app.env && node ${writer}`,
        metadata: { policy: { rules: [{ id: 'ask-env-writes', tool: 'write_file', path: '**/*.env', action: 'ask', note: 'Environment files hold deployment settings.' }] } },
      },
      {
        id: 'deploy', name: 'Mark the release deployed', retry_policy: { max_attempts: 1 }, instructions: 'touch deployed.txt',
        metadata: { policy: { rules: [{ id: 'ask-touch', tool: 'exec_shell', prefix: 'touch', action: 'ask' }] } },
      },
      {
        id: 'cleanup', name: 'Delete old logs', retry_policy: { max_attempts: 1 }, instructions: 'rm -f old.log',
        metadata: { policy: { rules: [{ id: 'ask-rm', tool: 'exec_shell', prefix: 'rm', action: 'ask' }] } },
      },
    ],
  };
  const shell = new ShellPage(page);
  await shell.open(host.url);
  const { runId } = await callHost(host, 'specs.launch', { text: JSON.stringify(spec), filename: 'release.json' });
  const dialog = new ApprovalDialog(page);

  // 0. The task's own shell line writes the staging file with a redirection: a write to an .env file,
  // so the same rule asks (shell writes are judged by the write rules too).
  await dialog.expectCommand(/printf .*> config\/app\.env/);
  await expect(dialog.rule).toContainText('path=**/*.env');
  await dialog.decision('approved').click();

  // 1. A file write: the diff, the rule, the agent's reason; decided by click.
  await dialog.expectCommand('write_file config/app.env');
  await expect(dialog.diff).toContainText('MODE=production');
  await expect(dialog.diff).toContainText('MODE=staging');
  await expect(dialog.rule).toContainText('tool=write_file path=**/*.env');
  await expect(dialog.rule).toContainText('Environment files hold deployment settings.');
  await expect(dialog.rule).toContainText('Switch the service to production settings');
  await expect(dialog.cwd).toContainText(path.join('workdirs'));
  expect(await dialog.decisions()).toEqual(['approved', 'approved_for_session', 'denied', 'abort']); // no prefix to "always allow"
  await shell.screenshot('approval-dialog-diff');
  await dialog.decision('approved').click();

  // 2. A shell command; "always allow" is offered for its prefix; approved with the A key.
  await dialog.expectCommand('touch deployed.txt');
  expect(await dialog.decisions()).toEqual(['approved', 'approved_for_session', 'approved_execpolicy_amendment', 'denied', 'abort']);
  await expect(dialog.decision('approved_execpolicy_amendment')).toContainText('Always allow “touch”');
  // Said where the choice is made: an always-allow never covers what a deny rule refuses.
  await expect(page.getByTestId('amendment-note').first()).toContainText('“Always allow” never overrides a deny');
  await expect(dialog.rule).toContainText('tool=exec_shell command=touch');
  await shell.screenshot('approval-dialog');
  await page.keyboard.press('a');

  // 3. Denied with the D key: the agent is told, and the task ends without running it.
  await dialog.expectCommand('rm -f old.log');
  await page.keyboard.press('d');
  await expect(dialog.root).toBeHidden({ timeout: 30_000 });

  await expect.poll(() => taskStates(host, runId), { timeout: 60_000 }).toEqual({ configure: 'passed', deploy: 'passed', cleanup: 'failed' });

  // The task's own timeline shows the call going through the policy and the person's answer.
  await page.goto(`${new URL(host.url).origin}/#/runs/${runId}/cleanup`);
  const task = new TaskPage(page);
  await task.openTab('Events');
  const log = page.getByTestId('event-log');
  await expect(log).toContainText('approval requested');
  await expect(log).toContainText('approval denied');
});

test('the inbox lists every pending request oldest first; batch approve; the audit log shows the decisions', async ({ page, host }) => {
  test.setTimeout(120_000);
  const spec = {
    name: 'Fan-out', worker_specs: localWorker(3),
    task_specs: ['alpha', 'beta', 'gamma'].map((id) => ({
      id, name: `Ship ${id}`, retry_policy: { max_attempts: 1 }, instructions: `touch shipped-${id}.txt`,
      metadata: { policy: { rules: [{ id: 'ask-touch', tool: 'exec_shell', prefix: 'touch', action: 'ask' }] } },
    })),
  };
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/approvals`);
  await expect(page.getByTestId('approvals-empty')).toBeVisible();
  const { runId } = await callHost(host, 'specs.launch', { text: JSON.stringify(spec), filename: 'fanout.json' });
  const inbox = new ApprovalsInbox(page);
  await expect(inbox.rows).toHaveCount(3, { timeout: 60_000 });
  // Oldest first.
  const created = await callHost(host, 'approvals.list', {});
  const order = await inbox.rows.evaluateAll((rows) => rows.map((r) => r.querySelector('.approval-row-command')?.textContent ?? ''));
  expect(order).toEqual(created.items.map((a) => `$ ${a.request.command}`));
  expect([...created.items.map((a) => a.createdAt)].sort()).toEqual(created.items.map((a) => a.createdAt));
  // The dialog stays out of the way here: the inbox has the same requests.
  await expect(page.getByTestId('approval-dialog')).toHaveCount(0);

  // A request opens to its detail and decisions.
  await inbox.rows.first().getByRole('button').click();
  await expect(inbox.root.getByTestId('approval-card')).toBeVisible();
  await expect(inbox.root.getByTestId('approval-rule')).toContainText('tool=exec_shell command=touch');
  // Which worker the command would run on, and where that is.
  await expect(inbox.root.getByTestId('approval-host')).toHaveText('on approvals worker (this computer)');
  await inbox.selectAll.check();
  await expect(inbox.approveSelected).toHaveText('Approve 3 selected');
  await shell.screenshot('approvals-inbox');
  await inbox.approveSelected.click();
  await expect(inbox.rows).toHaveCount(0, { timeout: 15_000 });
  await expect(page.getByText('Nothing waiting for you')).toBeVisible();

  await expect.poll(() => taskStates(host, runId), { timeout: 60_000 }).toEqual({ alpha: 'passed', beta: 'passed', gamma: 'passed' });
  const decided = inbox.auditRows.and(page.locator('[data-action="approval.decided"]'));
  await expect(decided).toHaveCount(3);
  await expect(decided.first()).toContainText('Approved');
  await expect(decided.first()).toContainText('tool=exec_shell command=touch');
  await expect(decided.first()).toContainText('you');
  await expect(inbox.audit).toContainText('touch shipped-alpha.txt');
  await expect(inbox.audit).toContainText('gamma #1');
  await shell.screenshot('approvals-audit');
});

test('settings: add, test and delete a rule', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/settings`);
  const section = page.getByTestId('policy-settings');
  await expect(section.getByRole('radio', { name: 'On request' })).toBeChecked();
  await section.getByRole('button', { name: 'Add rule' }).click();
  const form = section.getByTestId('policy-rule-form');
  await form.getByLabel('Action').selectOption('deny');
  await form.getByLabel('Command prefix').fill('git push --force');
  await form.getByLabel('Note (optional)').fill('Never rewrite shared history.');
  await form.getByRole('button', { name: 'Add rule' }).click();
  const rule = section.getByTestId('policy-rules').getByTestId('policy-rule');
  await expect(rule).toHaveCount(1);
  await expect(rule).toContainText('exec_shell “git push --force”');
  await expect(rule).toContainText('deny-git-push-force — Never rewrite shared history.');

  const tester = section.getByTestId('policy-tester');
  await tester.getByLabel('Command to test').fill('git status && git push origin main --force');
  const verdict = tester.getByTestId('policy-verdict');
  await expect(verdict).toHaveAttribute('data-action', 'deny');
  await expect(verdict).toContainText('tool=exec_shell command=git push --force');
  await expect(verdict).toContainText('user rule “deny-git-push-force”');
  await expect(verdict.locator('li')).toHaveCount(2);
  await verdict.scrollIntoViewIfNeeded();
  await shell.screenshot('settings-policy');

  await tester.getByLabel('Command to test').fill('git push origin main');
  await expect(verdict).toHaveAttribute('data-action', 'ask');
  await expect(verdict).toContainText('default rule “default-ask-git-push”');

  // A bad rule is refused with the field named, and nothing is saved.
  await section.getByRole('button', { name: 'Add rule' }).click();
  await form.getByLabel('Tool').fill('read_file');
  await form.getByLabel('Path').fill('secrets/**');
  await form.getByLabel('Name').fill('deny-git-push-force');
  await form.getByRole('button', { name: 'Add rule' }).click();
  await expect(form).toContainText('A rule with id "deny-git-push-force" already exists.');
  await form.getByRole('button', { name: 'Cancel' }).click();

  // A path typed for a file tool is left behind when the tool becomes exec_shell: the rule saved is
  // the prefix rule the form shows.
  await section.getByRole('button', { name: 'Add rule' }).click();
  await form.getByLabel('Tool').fill('read_file');
  await form.getByLabel('Path').fill('secrets/**');
  await form.getByLabel('Tool').fill('exec_shell');
  await form.getByLabel('Command prefix').fill('curl');
  await form.getByRole('button', { name: 'Add rule' }).click();
  await expect(rule).toHaveCount(2);
  await expect(rule.nth(1)).toContainText('exec_shell “curl”');
  await rule.getByRole('button', { name: 'Delete rule ask-curl' }).click();
  await expect(rule).toHaveCount(1);

  await rule.getByRole('button', { name: 'Delete rule deny-git-push-force' }).click();
  await expect(rule).toHaveCount(0);
});

test('with the dialog open, navigation chords and modifier keys decide nothing; the decision keys do', async ({ page, host }) => {
  test.setTimeout(90_000);
  const spec = {
    name: 'Chords', worker_specs: localWorker(1),
    task_specs: [{
      id: 'ship', name: 'Ship it', retry_policy: { max_attempts: 1 }, instructions: 'touch shipped.txt',
      metadata: { policy: { rules: [{ id: 'ask-touch', tool: 'exec_shell', prefix: 'touch', action: 'ask' }] } },
    }],
  };
  const shell = new ShellPage(page);
  await shell.open(host.url);
  const { runId } = await callHost(host, 'specs.launch', { text: JSON.stringify(spec), filename: 'chords.json' });
  const dialog = new ApprovalDialog(page);
  await dialog.expectCommand('touch shipped.txt');
  const pending = async () => (await callHost(host, 'approvals.list', {})).items.length;

  for (const s of SECTIONS) {
    await page.keyboard.press('g');
    await page.keyboard.press(s.key);
    await expect(shell.heading).toHaveText(s.label);
    expect(await pending()).toBe(1);
    if (s.id === 'approvals') {
      // The inbox holds the request; the dialog steps aside and comes back with the next section.
      await expect(dialog.root).toHaveCount(0);
      await page.keyboard.press('g');
      await page.keyboard.press('r');
      await expect(shell.heading).toHaveText('Runs');
    }
    await expect(dialog.root).toBeVisible();
  }
  for (const chord of ['Control+a', 'Control+s', 'Alt+d', 'Meta+x', 'Control+p']) {
    await page.keyboard.press(chord);
    expect(await pending()).toBe(1);
  }
  await expect(dialog.root).toBeVisible();
  // The intended key decides.
  await page.keyboard.press('a');
  await expect(dialog.root).toBeHidden({ timeout: 15_000 });
  expect(await pending()).toBe(0);
  await expect.poll(() => taskStates(host, runId), { timeout: 60_000 }).toEqual({ ship: 'passed' });
});

test('settings: a wait time that is not 1 to 10080 minutes is said and kept in the box; nothing is saved until it is one', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/settings`);
  const section = page.getByTestId('policy-settings');
  const wait = section.locator('#policy-timeout');
  const before = (await callHost(host, 'approvals.rules.list', {})).options.timeoutSeconds;
  for (const typed of ['abc', '-3', '0', '0.01', '99999']) {
    await wait.fill(typed);
    await wait.press('Enter');
    await expect(section.getByRole('alert')).toHaveText(`Give a number of minutes from 1 to 10080 (7 days); "${typed}" is not one.`);
    await expect(wait).toHaveValue(typed);
    await expect(wait).toHaveAttribute('aria-invalid', 'true');
  }
  expect((await callHost(host, 'approvals.rules.list', {})).options.timeoutSeconds).toBe(before);
  await wait.fill('2.5');
  await wait.press('Enter');
  await expect.poll(async () => (await callHost(host, 'approvals.rules.list', {})).options.timeoutSeconds).toBe(150);
  await expect(section.getByRole('alert')).toHaveCount(0);
  await expect(wait).not.toHaveAttribute('aria-invalid', 'true');
});

test('settings: the timeout decision sits next to the wait time, is stored, and shows in the audit log', async ({ page, host }) => {
  test.setTimeout(90_000);
  const shell = new ShellPage(page);
  await shell.open(`${host.url}#/settings`);
  const section = page.getByTestId('policy-settings');
  const decision = section.getByRole('radiogroup', { name: 'When nobody decides in time' });
  await expect(decision.getByRole('radio', { name: 'Deny' })).toBeChecked();
  await expect(section).toContainText('After this long without a decision a request is denied');
  await decision.getByRole('radio', { name: 'Approve' }).check();
  await expect(section).toContainText('After this long without a decision a request is approved');
  await expect.poll(async () => (await callHost(host, 'approvals.rules.list', {})).options.timeoutDecision).toBe('approve');
  await section.getByTestId('policy-rules').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join('test-results', 'settings-timeout-decision.png') });


  // Not clickSection: with the options change in the audit log, Approvals is no longer empty.
  await shell.navLink(SECTIONS.find((s) => s.id === 'approvals')!).click();
  const inbox = new ApprovalsInbox(page);
  const changed = inbox.auditRows.and(page.locator('[data-action="policy.options"]'));
  await expect(changed.first()).toContainText('then approve');

  // A request nobody answers within the run's 1 s wait is approved by the timeout, and the task runs on.
  const spec = {
    name: 'Unattended', worker_specs: localWorker(1),
    task_specs: [{
      id: 'mark', name: 'Mark reviewed', retry_policy: { max_attempts: 1 }, instructions: 'touch reviewed.txt',
      metadata: { policy: { rules: [{ id: 'ask-touch', tool: 'exec_shell', prefix: 'touch', action: 'ask' }], timeout_seconds: 1 } },
    }],
  };
  const { runId } = await callHost(host, 'specs.launch', { text: JSON.stringify(spec), filename: 'unattended.json' });
  const timedOut = inbox.auditRows.and(page.locator('[data-action="approval.timed_out"]'));
  await expect(timedOut).toContainText('Approved (no decision in time)', { timeout: 30_000 });
  await expect(timedOut).toContainText('touch reviewed.txt');
  await expect(timedOut).toContainText('timeout');
  await expect.poll(async () => (await taskStates(host, runId)).mark, { timeout: 30_000 }).toBe('passed');
  await page.screenshot({ path: path.join('test-results', 'audit-timeout-decision.png') });
});
