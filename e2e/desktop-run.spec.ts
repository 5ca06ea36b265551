// Watching the fleet and reviewing what came back, against a real host running real shell agents
// in a real git repository: the run live (runs list, run page, timeline with retries as successive
// bars, hover, click and keyboard), a task's patch as a diff (unified and split), test results,
// JSON, a searchable log, the receipt, a manual review passed, notifications, cancel and retry.
import { expect, test } from './fixtures/shoal-host';
import { makeGitRepo } from './fixtures/git-repo';
import { notificationsShown, spyOnNotifications } from './fixtures/notification-spy';
import { LaunchDialog } from './pages/launch-dialog';
import { RunPage } from './pages/run-page';
import { ShellPage } from './pages/shell-page';
import { dropFiles } from './pages/spec-files';
import { TaskPage } from './pages/task-page';

const REVIEW_SPEC = `name: patch and review
task_specs:
  - id: edit
    name: Update the README
    instructions: |
      echo "More words from the agent." >> README.md
      printf 'first note\\nsecond note\\n' > NOTES.md
      echo "edited README.md and wrote NOTES.md"
    scorer: { kind: manual }
  - id: slow
    name: Slow build
    instructions: for i in 1 2 3 4 5 6 7 8 9 10; do echo "step $i"; sleep 0.5; done
`;

const TIMELINE_SPEC = `name: fleet at work
task_specs:
  - id: flaky
    name: Flaky check
    instructions: |
      if [ "$SHOAL_ATTEMPT" = "1" ]; then echo "first attempt fails on purpose" >&2; exit 1; fi
      echo "second attempt passes"
    retry_policy: { max_attempts: 2, initial_backoff_seconds: 1 }
  - id: build
    name: Build
    instructions: for i in 1 2 3 4 5; do echo "compiling $i"; sleep 0.3; done
  - id: lint
    name: Lint
    instructions: sleep 0.8; echo clean
  - id: docs
    name: Docs
    instructions: sleep 0.5; echo written
`;

const ARTIFACTS_SPEC = `name: artifacts tour
task_specs:
  - id: tests
    name: Run the tests
    instructions: |
      cat > "$SHOAL_ARTIFACTS_DIR/test_result-junit.xml" <<'XML'
      <testsuite name="math"><testcase name="adds" time="0.01"/><testcase name="divides" time="0.02"><failure message="expected 2, got 3">at math.js:4</failure></testcase><testcase name="later"><skipped/></testcase></testsuite>
      XML
      echo '{"coverage": {"percent": 87.5}, "ok": true, "files": ["a.js", "b.js"]}' > report.json
      for i in $(seq 1 400); do echo "log line $i"; done
      echo "NEEDLE in a haystack"
      echo "x = 1" > settings.py
    expected_artifacts: [test_result, report]
    metadata: { artifact_paths: { report: report.json } }
`;

test('a dropped spec runs live in a git workspace: patch diff, manual review, notifications, runs list', async ({ page, host, context }) => {
  test.setTimeout(120_000);
  const repo = makeGitRepo();
  try {
    await spyOnNotifications(context, host.origin);
    const shell = new ShellPage(page);
    await shell.open(host.url);
    await dropFiles(page, [{ name: 'patch-and-review.yaml', text: REVIEW_SPEC }]);
    const dialog = new LaunchDialog(page);
    await dialog.expectReady(2);
    await dialog.workspace.fill('/no/such/folder');
    await dialog.expectProblems(1);
    await expect(dialog.root).toContainText('there is no folder at /no/such/folder');
    await dialog.workspace.fill(repo.dir);
    await dialog.expectReady(2);
    await dialog.launchAndClose();

    const run = new RunPage(page);
    await expect(page.getByRole('heading', { level: 2 })).toHaveText('patch and review');
    await expect(run.article.locator('.facts')).toContainText(repo.dir);
    // Live, without a refresh: tasks move through their states as the agents run.
    await expect(run.taskRow('slow')).toHaveAttribute('data-state', /running|model_wait|running_tool/, { timeout: 20_000 });
    await expect(run.taskRow('edit')).toHaveAttribute('data-state', 'review', { timeout: 30_000 });
    await expect(run.taskRow('slow')).toHaveAttribute('data-state', 'passed', { timeout: 30_000 });
    await run.expectStatus('running'); // one task still waits for a person
    await expect(run.article.locator('.facts')).toContainText(/Waiting for review\s*1/);
    await expect(run.timeline).toHaveAttribute('data-bars', '2');

    // The task waiting for review: its patch as a real diff, then a verdict.
    await run.taskRow('edit').getByRole('link').click();
    const task = new TaskPage(page);
    await task.expectState('review');
    await expect(task.review).toBeVisible();
    const diff = page.getByTestId('patch-view');
    await expect(diff).toBeVisible();
    await expect(diff.getByTestId('patch-file')).toHaveCount(2);
    await expect(diff).toContainText('README.md');
    await expect(diff).toContainText('NOTES.md');
    await expect(diff).toContainText('More words from the agent.');
    await expect(diff).toHaveAttribute('data-view', 'unified');
    await shell.screenshot('task-patch-unified');
    await diff.getByRole('button', { name: 'Split' }).click();
    await expect(diff).toHaveAttribute('data-view', 'split');
    await expect(diff.locator('table.diff-split')).toHaveCount(2);
    await shell.screenshot('task-patch-split');

    await task.review.getByRole('textbox').fill('Reads well.');
    await task.review.getByRole('button', { name: 'Pass' }).click();
    await task.expectState('passed');
    await expect(task.review).toBeHidden();
    await task.openTab('Receipt');
    await expect(page.getByTestId('receipt')).toContainText('1 / 1');
    await expect(page.getByTestId('receipt')).toContainText('Reads well.');

    // The run completes, live, in the runs list too.
    await page.getByRole('link', { name: 'patch and review' }).first().click();
    await run.expectStatus('completed');
    await shell.navLink({ id: 'runs', label: 'Runs', key: 'r', ready: 'runs-empty' }).click();
    const row = page.getByTestId('run-row');
    await expect(row).toHaveAttribute('data-status', 'completed');
    await expect(row).toContainText('2/2');
    await expect(row).toContainText('2 passed');
    await shell.screenshot('runs-list-live');

    await expect.poll(async () => (await notificationsShown(page)).map((n) => n.title), { timeout: 10_000 })
      .toEqual(expect.arrayContaining(['Waiting for your review', 'Run completed: patch and review']));
  } finally {
    repo.dispose();
  }
});

test('the timeline: a lane per worker, a bar per attempt, retries as successive bars; hover, click and keyboard open tasks', async ({ page, host }) => {
  test.setTimeout(90_000);
  const shell = new ShellPage(page);
  await shell.open(host.url);
  await dropFiles(page, [{ name: 'fleet.yaml', text: TIMELINE_SPEC }]);
  const dialog = new LaunchDialog(page);
  await dialog.expectReady(4);
  await dialog.launchAndClose();
  const run = new RunPage(page);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('fleet at work');
  await expect(run.timeline).toHaveAttribute('data-ready', 'true');
  await run.expectStatus('completed');
  await expect(run.timeline).toHaveAttribute('data-bars', '5');
  await expect(run.timeline).toHaveAttribute('data-lanes', '1');

  await run.hoverBar(/Flaky check/);
  await expect(run.tooltip).toContainText(/Attempt [12]/);
  await shell.screenshotWithPointer('run-timeline');
  const second = await run.hoverBar(/Flaky check.*Attempt 2/s);
  await expect(run.tooltip).toContainText('Passed');
  await page.mouse.click(second.x, second.y);
  await expect(page).toHaveURL(/#\/runs\/run-[^/]+\/flaky\/2$/);
  const task = new TaskPage(page);
  await expect(task.title).toHaveText('Flaky check');
  await expect(task.attempts).toHaveCount(2);
  await expect(task.attempts.nth(0)).toContainText('Failed');
  await expect(task.attempts.nth(0)).toContainText('agent exited with code 1');
  await expect(task.attempts.nth(1)).toContainText('Passed');
  await expect(task.attempts.nth(1)).toHaveAttribute('aria-checked', 'true');
  await task.attempts.nth(0).click();
  await task.openTab('Output');
  await expect(task.output).toContainText('first attempt fails on purpose');
  await shell.screenshot('task-view');

  // Keyboard: into the timeline, arrows pick an attempt, Enter opens it.
  await page.goBack();
  await expect(run.timeline).toHaveAttribute('data-ready', 'true');
  await run.canvas.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#timeline-selected')).toContainText(/attempt \d, (Passed|Failed)/);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('+');
  await page.keyboard.press('0');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/runs\/run-[^/]+\/[^/]+\/\d$/);
  await expect(task.title).toBeVisible();

  // Zoom with the buttons and the wheel, pan by dragging: the canvas keeps answering.
  await page.goBack();
  await expect(run.timeline).toHaveAttribute('data-ready', 'true');
  await page.getByRole('button', { name: 'Zoom in' }).click();
  await expect(page.getByRole('button', { name: 'Fit' })).toHaveAttribute('aria-pressed', 'false');
  const box = (await run.canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 100);
  await page.mouse.wheel(0, 300);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 120, box.y + 100, { steps: 5 });
  await page.mouse.up();
  await page.getByRole('button', { name: 'Fit' }).click();
  await expect(page.getByRole('button', { name: 'Fit' })).toHaveAttribute('aria-pressed', 'true');
  await run.hoverBar(/Flaky check/);

  // The canvas follows the theme.
  await page.emulateMedia({ colorScheme: 'dark' });
  await run.hoverBar(/Build/);
  await shell.screenshotWithPointer('run-timeline-dark');
});

test("a task's artifacts: test results, JSON, a searchable log, events and the receipt", async ({ page, host }) => {
  test.setTimeout(90_000);
  const shell = new ShellPage(page);
  await shell.open(host.url);
  await dropFiles(page, [{ name: 'artifacts.yaml', text: ARTIFACTS_SPEC }]);
  const dialog = new LaunchDialog(page);
  await dialog.expectReady(1);
  await dialog.launchAndClose();
  const run = new RunPage(page);
  await run.expectStatus('completed');
  await run.taskRow('tests').getByRole('link').click();
  const task = new TaskPage(page);
  await task.expectState('passed');

  await task.openTab('Artifacts');
  await expect(page.getByTestId('artifact-list').getByRole('button')).toHaveCount(3);
  await task.artifact('test_result-junit.xml').click();
  const results = page.getByTestId('test-results');
  await expect(results).toContainText('1 failed');
  await expect(results.locator('tr[data-status="failed"]')).toContainText('divides');
  await expect(results.locator('tr[data-status="failed"]')).toContainText('expected 2, got 3');
  await expect(results.locator('tr[data-status="skipped"]')).toContainText('later');
  await shell.screenshot('task-test-results');

  await task.artifact('report.json').click();
  const json = page.getByTestId('log-viewer');
  await expect(json).toContainText('"percent": 87.5');
  await expect(json.locator('.json-key').first()).toHaveText('"coverage"');
  await shell.screenshot('task-json');

  await task.artifact('agent.log').click();
  const search = page.getByTestId('log-search');
  await search.fill('needle');
  await expect(page.getByTestId('log-search-count')).toHaveText('1 of 1');
  await expect(page.getByTestId('log-viewer').locator('[data-current] mark')).toHaveText('NEEDLE');
  await search.fill('log line 3');
  await expect(page.getByTestId('log-search-count')).toHaveText('1 of 111');
  await search.press('Enter');
  await expect(page.getByTestId('log-search-count')).toHaveText('2 of 111');
  await expect(page.getByTestId('log-viewer').locator('[data-current]')).toContainText('log line 30');
  await search.fill('log line 399');
  await expect(page.getByTestId('log-viewer').locator('[data-current]')).toContainText('399log line 399');
  await shell.screenshot('task-log-search');

  await task.openTab('Events');
  await expect(page.getByTestId('event-log')).toHaveAttribute('data-count', /^(?:[5-9]|\d{2,})$/);
  await expect(page.getByTestId('event-log')).toContainText('Leased');
  await expect(page.getByTestId('event-log')).toContainText('Completed');
  await shell.screenshot('task-events');

  await task.openTab('Receipt');
  await expect(page.getByTestId('receipt')).toContainText('"result": "pass"');
  await expect(page.getByTestId('receipt')).toContainText('sha256:');
});

test('cancel a running task, retry it now, follow its output live, then cancel the run', async ({ page, host }) => {
  test.setTimeout(90_000);
  const shell = new ShellPage(page);
  await shell.open(host.url);
  await dropFiles(page, [{ name: 'long.yaml', text: 'name: long haul\ntask_specs:\n  - id: long\n    name: Long job\n    instructions: for i in $(seq 1 300); do echo "tick $i"; sleep 0.2; done\n    retry_policy: { max_attempts: 1 }\n' }]);
  const dialog = new LaunchDialog(page);
  await dialog.expectReady(1);
  await dialog.launchAndClose();
  const run = new RunPage(page);
  await expect(run.taskRow('long')).toHaveAttribute('data-state', /running/, { timeout: 20_000 });
  await run.taskRow('long').getByRole('link').click();
  const task = new TaskPage(page);
  await expect(task.output).toContainText('tick 3', { timeout: 20_000 });
  await expect(page.locator('.live-dot')).toHaveText('Live');
  await shell.screenshot('task-live-output');
  await page.getByRole('button', { name: 'Cancel task' }).click();
  await task.expectState('cancelled');
  await page.getByRole('button', { name: 'Retry now' }).click();
  await expect(task.attempts).toHaveCount(2, { timeout: 20_000 });
  await task.expectState(/^(running|model_wait|running_tool)$/);
  await task.openTab('Output');
  await expect(task.output).toContainText('tick 2', { timeout: 20_000 });

  await page.getByRole('link', { name: 'long haul' }).click();
  await run.article.getByRole('button', { name: 'Cancel run…' }).click();
  await run.article.getByRole('button', { name: 'Yes, cancel run' }).click();
  await run.expectStatus('cancelled');
  await expect(run.taskRow('long')).toHaveAttribute('data-state', 'cancelled');
});

test('a task waiting out its retry backoff is cancelled at once, and the run ends', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(host.url);
  await dropFiles(page, [{ name: 'flaky.yaml', text: 'name: flaky\ntask_specs:\n  - id: flaky\n    name: Flaky job\n    instructions: exit 1\n    retry_policy: { max_attempts: 3, initial_backoff_seconds: 600 }\n' }]);
  const dialog = new LaunchDialog(page);
  await dialog.expectReady(1);
  await dialog.launchAndClose();
  const run = new RunPage(page);
  await expect(run.taskRow('flaky')).toHaveAttribute('data-state', 'retry_wait', { timeout: 20_000 });
  await run.taskRow('flaky').getByRole('link').click();
  const task = new TaskPage(page);
  // Ten minutes until the next attempt: Cancel ends it now instead.
  await page.getByRole('button', { name: 'Cancel task' }).click();
  await expect(page.getByText('Cancelled "Flaky job".')).toBeVisible();
  await task.expectState('cancelled');
  await expect(task.attempts).toHaveCount(1);
  await page.getByRole('link', { name: 'flaky' }).click();
  await run.expectStatus('cancelled'); // nothing left to run, and its only task was cancelled
  await expect(run.article.locator('.facts')).toContainText(/Cancelled\s*1/);
});

test('a run whose waiting tasks are all cancelled one by one reads cancelled, and says no attempt ran', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(host.url);
  // No worker here offers a GPU: both tasks wait in the queue.
  const task = (id: string) => `  - id: ${id}\n    name: ${id}\n    instructions: "true"\n    metadata: { requires: [gpu] }\n`;
  await dropFiles(page, [{ name: 'waits.yaml', text: `name: waits\ntask_specs:\n${task('gpu-a')}${task('gpu-b')}` }]);
  const dialog = new LaunchDialog(page);
  await dialog.expectReady(2);
  await dialog.launchAndClose();
  const run = new RunPage(page);
  for (const id of ['gpu-a', 'gpu-b']) {
    await expect(run.taskRow(id)).toHaveAttribute('data-state', 'queued', { timeout: 20_000 });
    await run.taskRow(id).getByRole('link').click();
    await page.getByRole('button', { name: 'Cancel task' }).click();
    await expect(page.getByText(`Cancelled "${id}".`)).toBeVisible();
    await page.getByRole('link', { name: 'waits' }).first().click();
  }
  await run.expectStatus('cancelled');
  await expect(run.article.locator('.facts')).toContainText(/Cancelled\s*2/);
  await expect(run.article.getByText('No attempt ran: every task ended before a worker took it.')).toBeVisible();
  await run.taskRow('gpu-a').getByRole('link').click();
  await expect(page.getByText('No attempt ran: the task ended before a worker took it.')).toBeVisible();
});
