// Landing in the browser: a run with a best-of-N task and two tasks that edit the same line. The run
// view warns about the conflict, ranks the candidates, a person picks one, compares two, and lands:
// the picked candidate and the first of the two land, the other is taken out with its file. The
// timeline marks both conflicting tasks' bars, naming the file. While
// the queue works, each task's row shows its step as it happens: the run-level check waits for a
// gate file the test creates, so "checking" and "queued" are seen before anything lands.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from './fixtures/shoal-host';
import { makeGitRepo } from './fixtures/git-repo';
import { callHost } from './fixtures/host-call';
import { LandPage } from './pages/land-page';
import { RunPage } from './pages/run-page';
import { ShellPage } from './pages/shell-page';

// $0 is the candidate's task id: c1 fails, c2 passes 3 tests, c3 passes 5.
const SCRIPT = 'case "$0" in *.c1) exit 1;; *.c2) n=3;; *) n=5;; esac; printf \'<testsuite tests="%s" failures="0"></testsuite>\' $n > junit.xml; echo "$0" > winner.txt';

test('pick a candidate, see the conflict coming, and land the run', async ({ page, host }) => {
  test.setTimeout(120_000);
  const repo = makeGitRepo({ 'shared.txt': 'base\n' });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo.dir, encoding: 'utf8' }).trim();
  const gateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-land-gate-'));
  const gate = path.join(gateDir, 'go');
  try {
    const spec = {
      name: 'land me',
      labels: { land_check: `while [ ! -e ${gate} ]; do sleep 0.05; done` },
      task_specs: [
        {
          id: 'fix', name: 'Fix it', instructions: SCRIPT, expected_artifacts: ['test_result'], retry_policy: { max_attempts: 1 },
          metadata: { priority: 3, candidates: 3, agent: { command: 'sh -c {instructions} {task_id}' }, artifact_paths: { test_result: 'junit.xml' } },
        },
        { id: 'b', name: 'B', instructions: 'printf "B\\n" > shared.txt', metadata: { priority: 2 } },
        { id: 'c', name: 'C', instructions: 'printf "C\\n" > shared.txt', metadata: { priority: 1 } },
      ],
    };
    const { runId } = await callHost(host, 'specs.launch', { text: JSON.stringify(spec), filename: 'land.json', workspace: repo.dir });
    const shell = new ShellPage(page);
    await shell.open(`${host.url}#/runs/${runId}`);
    const run = new RunPage(page);
    await run.expectStatus('failed'); // one candidate failed its scorer
    const land = new LandPage(page);

    await expect(land.warnings).toHaveCount(1);
    await expect(land.warnings.first()).toHaveText('b and c both change shared.txt — they conflict');
    await expect(land.warnings.first()).toHaveAttribute('data-level', 'conflict');

    // The task's own page says so too.
    await page.goto(`${host.url}#/runs/${runId}/c`);
    await expect(page.getByTestId('task-conflict-note')).toHaveText('Changes the same files as b (shared.txt, conflicts)');
    await page.goto(`${host.url}#/runs/${runId}`);
    await run.expectStatus('failed');
    // And the timeline marks both tasks' bars, the tooltip naming the other task and the file.
    await expect(run.timeline).toHaveAttribute('data-conflict-marks', 'b c');
    await run.hoverBar(/Changes the same files as c/, 6);
    await expect(run.tooltip.getByTestId('bar-conflict')).toHaveText('⚠ Changes the same files as c (shared.txt, conflicts)');
    await expect(run.tooltip).toContainText(/^B/);
    await run.hoverBar(/Changes the same files as b/, 6);
    await expect(run.tooltip).toContainText(/^C/);
    await page.mouse.move(0, 0);

    await land.expectWinner('fix', 'fix.c3');
    await expect(land.candidate('fix.c3')).toContainText('5');
    await expect(land.candidate('fix.c1')).toContainText('Fail');
    await expect(land.candidate('fix.c1').getByRole('button', { name: 'Pick this one' })).toHaveCount(0);
    const diff = await land.compare('fix', 'fix.c2', 'fix.c3');
    await expect(diff).toContainText('fix.c2');
    await expect(diff).toContainText('tests="5"');
    await land.pick('fix.c2');
    await land.expectWinner('fix', 'fix.c2');
    await expect(land.group('fix').getByTestId('candidate-winner')).toContainText('picked by web');

    await expect(land.panel).toContainText('3 results to land, in this order: fix.c2, b, c');
    await land.land('nope');
    await expect(land.panel.getByTestId('land-error')).toContainText('branch "nope" does not exist');
    await land.land('main');
    // Live: the first merge is being checked, the others wait their turn.
    await expect(land.result).toHaveAttribute('data-status', 'running');
    await expect(land.item('fix.c2')).toHaveAttribute('data-state', 'checking');
    await expect(land.item('b')).toHaveAttribute('data-state', 'queued');
    await expect(land.item('c')).toHaveAttribute('data-state', 'queued');
    fs.writeFileSync(gate, '');
    await expect(land.result).toHaveAttribute('data-status', 'done');
    await expect(land.item('fix.c2')).toHaveAttribute('data-state', 'landed');
    await expect(land.item('b')).toHaveAttribute('data-state', 'landed');
    await expect(land.item('c')).toHaveAttribute('data-state', 'conflict');
    await expect(land.item('c')).toContainText('merge conflict in 1 file: shared.txt');
    // The form still offers all three (into another branch, say), and says which are already there.
    await expect(land.panel.getByTestId('land-already')).toHaveText('fix.c2, b are already on main: landing them there again changes nothing.');

    expect(git('show', 'main:winner.txt')).toBe('fix.c2');
    expect(git('show', 'main:shared.txt')).toBe('B');
    expect(git('status', '--porcelain')).toBe('');
  } finally {
    repo.dispose();
    fs.rmSync(gateDir, { recursive: true, force: true });
  }
});

test('manual-review candidates are reviewed together and one is picked as the reviewed winner', async ({ page, host }) => {
  test.setTimeout(90_000);
  const repo = makeGitRepo({ 'README.md': 'hello\n' });
  try {
    // $0 is the candidate's task id: each writes its own answer and n passing tests.
    const script = 'n=${0##*.c}; printf \'<testsuite tests="%s" failures="0"></testsuite>\' $n > junit.xml; echo "$0" > answer.txt';
    const spec = {
      name: 'review together',
      task_specs: [{
        id: 'fix', name: 'Fix it', instructions: script, scorer: { kind: 'manual' }, expected_artifacts: ['test_result'], retry_policy: { max_attempts: 1 },
        metadata: { candidates: 2, agent: { command: 'sh -c {instructions} {task_id}' }, artifact_paths: { test_result: 'junit.xml' } },
      }],
    };
    const { runId } = await callHost(host, 'specs.launch', { text: JSON.stringify(spec), filename: 'review.json', workspace: repo.dir });
    const shell = new ShellPage(page);
    await shell.open(`${host.url}#/runs/${runId}/fix.c1`);
    await expect(page.getByTestId('review-panel')).toBeVisible({ timeout: 30_000 });
    const together = page.getByTestId('review-candidates');
    const land = new LandPage(page);
    const row = (id: string) => together.locator(`[data-testid="candidate-row"][data-task-id="${id}"]`);
    // Both candidates side by side, with their tests and changes, the diff between them, before any verdict.
    await expect(row('fix.c1')).toContainText('fix.c1 (this task)');
    await expect(row('fix.c2')).toContainText('Review');
    await expect(row('fix.c2').locator('td').nth(4)).toHaveText('2');
    await expect(row('fix.c1').locator('td').nth(4)).toHaveText('1');
    await together.getByRole('button', { name: 'Show diff' }).click();
    await expect(together.getByTestId('compare-diff')).toContainText('fix.c2');
    await row('fix.c2').getByRole('button', { name: 'Pick as the reviewed winner' }).click();
    // The pick was the review: this candidate (not picked) failed it, the other passed and wins.
    await expect(page.getByTestId('review-panel')).toHaveCount(0);
    await page.goto(`${host.url}#/runs/${runId}`);
    await land.expectWinner('fix', 'fix.c2');
    await expect(land.candidate('fix.c1')).toContainText('Fail');
    await expect(land.candidate('fix.c2')).toContainText('Pass');
    await expect(land.panel).toContainText('1 result to land, in this order: fix.c2');
  } finally {
    repo.dispose();
  }
});

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

/** A project whose main is pushed to a bare repository on disk, its `origin`. */
function repoWithRemote(): { repo: ReturnType<typeof makeGitRepo>; remote: string } {
  const repo = makeGitRepo({ 'README.md': 'hello\n' });
  const remote = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-land-remote-'));
  git(remote, 'init', '-q', '--bare');
  git(repo.dir, 'remote', 'add', 'origin', remote);
  git(repo.dir, 'push', '-q', 'origin', 'main');
  return { repo, remote };
}

test('push the landed branch to a remote; pull requests on a local remote are refused by name', async ({ page, host }) => {
  test.setTimeout(90_000);
  const { repo, remote } = repoWithRemote();
  try {
    const spec = { name: 'push me', task_specs: [{ id: 'x', name: 'X', instructions: 'echo x > x.txt' }] };
    const { runId } = await callHost(host, 'specs.launch', { text: JSON.stringify(spec), filename: 'push.json', workspace: repo.dir });
    await new ShellPage(page).open(`${host.url}#/runs/${runId}`);
    await new RunPage(page).expectStatus('completed');
    const land = new LandPage(page);
    // Pull requests imply a push and leave each result as a branch.
    await land.panel.getByLabel('Open pull requests').check();
    await expect(land.panel.getByLabel('Push to remote')).toBeChecked();
    await expect(land.panel.getByLabel('Push to remote')).toBeDisabled();
    await expect(land.panel.getByLabel('How to land')).toHaveValue('branches');
    await expect(land.panel.getByLabel('Remote', { exact: true })).toHaveValue('origin');
    await land.land();
    await expect(land.panel.getByTestId('land-error')).toContainText(`remote "origin" is ${remote}, not a GitHub URL`);
    // In the app's words: the form's fields, not the CLI's flags.
    await expect(land.panel.getByTestId('land-error')).toContainText('"Open pull requests" opens pull requests on GitHub');
    await expect(land.panel.getByTestId('land-error')).toContainText('push with "Push to remote" instead');
    await expect(land.panel.getByTestId('land-error')).not.toContainText('--');
    await new ShellPage(page).screenshot('land-pr-refused');
    await land.panel.getByLabel('Open pull requests').uncheck();
    await land.panel.getByLabel('Push to remote').check();
    await land.land('main', 'merge');
    await expect(land.item('x')).toHaveAttribute('data-state', 'landed');
    await expect(land.result).toHaveAttribute('data-status', 'done');
    expect(git(remote, 'rev-parse', 'refs/heads/main')).toBe(git(repo.dir, 'rev-parse', 'main'));
    expect(git(remote, 'show', 'main:x.txt')).toBe('x');
  } finally {
    repo.dispose();
    fs.rmSync(remote, { recursive: true, force: true });
  }
});

test('the diff between two candidates names the file of each change', async ({ page, host }) => {
  test.setTimeout(90_000);
  const repo = makeGitRepo({ 'README.md': 'hello\n' });
  try {
    // $0 is the candidate's task id: each writes a file named after itself.
    const spec = {
      name: 'compare files',
      task_specs: [{ id: 'fix', name: 'Fix it', instructions: 'echo "$0" > "$0.txt"', retry_policy: { max_attempts: 1 }, metadata: { candidates: 2, agent: { command: 'sh -c {instructions} {task_id}' } } }],
    };
    const { runId } = await callHost(host, 'specs.launch', { text: JSON.stringify(spec), filename: 'compare.json', workspace: repo.dir });
    await new ShellPage(page).open(`${host.url}#/runs/${runId}`);
    await new RunPage(page).expectStatus('completed');
    const land = new LandPage(page);
    const diff = await land.compare('fix', 'fix.c1', 'fix.c2');
    await expect(diff.getByRole('region', { name: 'fix.c1.txt' })).toContainText('fix.c1');
    await expect(diff.getByRole('region', { name: 'fix.c2.txt' })).toContainText('fix.c2');
    await expect(diff.getByRole('region', { name: 'fix.c1.txt' })).toContainText('fix.c1.txt (deleted)');
    await expect(diff.getByRole('region', { name: 'fix.c2.txt' })).toContainText('fix.c2.txt (new file)');
    // One candidate against itself: said, not a blank space.
    await land.group('fix').getByLabel('With candidate').selectOption('fix.c1');
    await expect(land.group('fix').getByTestId('compare-same')).toHaveText('Choose two different candidates to compare.');
  } finally {
    repo.dispose();
  }
});

test('a push the remote refuses: the result says the merge landed here and why the push failed', async ({ page, host }) => {
  test.setTimeout(90_000);
  const { repo, remote } = repoWithRemote();
  try {
    // From now on the remote refuses every push, as a protected branch does.
    fs.writeFileSync(path.join(remote, 'hooks', 'pre-receive'), '#!/bin/sh\necho "main is protected: open a pull request" >&2\nexit 1\n', { mode: 0o755 });
    const spec = { name: 'refused push', task_specs: [{ id: 'x', name: 'X', instructions: 'echo x > x.txt' }] };
    const { runId } = await callHost(host, 'specs.launch', { text: JSON.stringify(spec), filename: 'refused.json', workspace: repo.dir });
    const shell = new ShellPage(page);
    await shell.open(`${host.url}#/runs/${runId}`);
    await new RunPage(page).expectStatus('completed');
    const land = new LandPage(page);
    await land.panel.getByLabel('Push to remote').check();
    await land.land('main', 'merge');
    await expect(land.result).toHaveAttribute('data-status', 'done');
    await expect(land.item('x')).toHaveAttribute('data-state', 'landed');
    const problem = land.result.getByTestId('land-problem');
    await expect(problem).toContainText('Landed on main here, but not on origin: push failed: remote: main is protected: open a pull request');
    await expect(problem).toContainText('(pre-receive hook declined)');
    // The status line is the landing's own; the push's failure is not tacked on to "Done".
    await expect(land.result.locator('p').filter({ hasText: 'Into main' })).not.toContainText('push failed');
    expect(git(repo.dir, 'show', 'main:x.txt')).toBe('x');
    await page.locator('.toasts').evaluate((t) => { t.style.visibility = 'hidden'; });
    await land.result.scrollIntoViewIfNeeded();
    await shell.screenshot('land-push-refused');
  } finally {
    repo.dispose();
    fs.rmSync(remote, { recursive: true, force: true });
  }
});

test('a run that finishes while its Land section is first read: the section catches up without a reload', async ({ page, host }) => {
  const repo = makeGitRepo({ 'README.md': 'hello\n' });
  const gateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-land-gate-'));
  const gate = path.join(gateDir, 'go');
  // The first answer about what can land is held back, as a busy host's would be: the run finishes
  // (and main says so) while the page still waits for it, and then it comes, telling of the run before.
  let held: { release(): void } | null = null;
  let asked = false;
  await page.routeWebSocket(/\/ws/, (ws) => {
    const server = ws.connectToServer();
    let overviewId: number | null = null;
    ws.onMessage((message) => {
      const msg = typeof message === 'string' ? JSON.parse(message) as { id?: number; method?: string } : null;
      if (msg?.method === 'landing.overview' && overviewId === null) {
        overviewId = msg.id!;
        asked = true;
      }
      server.send(message);
    });
    server.onMessage((message) => {
      const msg = typeof message === 'string' ? JSON.parse(message) as { id?: number } : null;
      if (msg?.id !== undefined && msg.id === overviewId && !held) {
        held = { release: () => ws.send(message) };
        return;
      }
      ws.send(message);
    });
  });
  try {
    const spec = { name: 'late', task_specs: [{ id: 'x', name: 'X', instructions: `while [ ! -f '${gate}' ]; do sleep 0.05; done; echo x > x.txt` }] };
    const { runId } = await callHost(host, 'specs.launch', { text: JSON.stringify(spec), filename: 'late.json', workspace: repo.dir });
    const shell = new ShellPage(page);
    await shell.open(`${host.url}#/runs/${runId}`);
    await expect.poll(() => asked && held !== null).toBe(true);
    fs.writeFileSync(gate, '');
    await new RunPage(page).expectStatus('completed');
    held!.release();
    const land = new LandPage(page);
    await expect(land.panel.getByLabel('Push to remote')).toBeVisible();
    await expect(land.panel).toContainText('1 result to land, in this order: x');
  } finally {
    fs.rmSync(gateDir, { recursive: true, force: true });
    repo.dispose();
  }
});
