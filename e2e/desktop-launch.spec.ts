// Getting work in: specs dropped on the window (several at once, a real DataTransfer drop), picked
// with Open, pasted with Ctrl+V, or tried from the gallery, all end in a preview; problems are listed
// by field path next to the task they are about; the person fixes the text in place and launches.
// Nothing is created before Launch.
import Database from 'better-sqlite3';
import { callHost } from './fixtures/host-call';
import { expect, test, type ShoalHost } from './fixtures/shoal-host';
import { LaunchDialog } from './pages/launch-dialog';
import { RunPage } from './pages/run-page';
import { ShellPage } from './pages/shell-page';
import { dropFiles, pasteText } from './pages/spec-files';
import { freePort } from '../src-main/core/test-support/free-port';

function runCount(host: ShoalHost): number {
  const db = new Database(host.dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM runs').get()!.n;
  } finally {
    db.close();
  }
}

const GOOD = `name: tidy repo
task_specs:
  - id: lint
    name: Fix lint warnings
    instructions: echo linting
    retry_policy: { max_attempts: 2, initial_backoff_seconds: 1 }
  - id: notes
    name: Write release notes
    instructions: echo notes > NOTES.md
    scorer: { kind: file_exists, path: NOTES.md }
    timeout_seconds: 60
`;

const BROKEN = `name: broken spec
task_specs:
  - id: ok
    name: Fine task
    instructions: echo fine
  - id: bad
    name: Bad scorer
    instructions: ""
    scorer: { kind: regex_match, path: out.txt, pattern: "(unclosed" }
`;

test('several specs dropped at once are previewed; an invalid one is fixed in place, then both launch', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(host.url);
  await dropFiles(page, [{ name: 'tidy.yaml', text: GOOD }, { name: 'broken.yaml', text: BROKEN }]);

  const dialog = new LaunchDialog(page);
  await expect(dialog.root).toBeVisible();
  await expect(dialog.tabs).toHaveCount(2);
  await expect(dialog.tab('tidy.yaml')).toHaveAttribute('aria-selected', 'true');
  await dialog.expectReady(2);
  const lint = dialog.task('lint');
  await expect(lint).toContainText('Fix lint warnings');
  await expect(lint).toContainText('exit code 0');
  await expect(lint).toContainText('2 attempts, 1s ×2 backoff');
  await expect(lint).toContainText(/Runs on\s*local/);
  await expect(dialog.task('notes')).toContainText('file exists: NOTES.md');
  await expect(dialog.task('notes')).toContainText('60s');
  await expect(dialog.preview).toContainText('Workers');
  await shell.screenshot('launch-preview');

  await dialog.tab('broken.yaml').click();
  await dialog.expectProblems(2);
  // Each problem sits in the card of the task it is about, with its field path and line.
  const bad = dialog.task('bad');
  await expect(bad.getByTestId('spec-issues')).toContainText('task_specs[1].instructions');
  await expect(bad.getByTestId('spec-issues')).toContainText('say what the agent should do');
  await expect(bad.getByTestId('spec-issues')).toContainText('task_specs[1].scorer.pattern');
  await expect(bad.getByTestId('spec-issues')).toContainText('not a valid regular expression');
  await expect(bad.getByRole('button', { name: 'Go to line 8' })).toBeVisible();
  await expect(dialog.task('ok')).toContainText('No problems in this task.');
  await expect(dialog.tab('broken.yaml')).toContainText('(has problems)');
  await shell.screenshot('launch-invalid');
  expect(runCount(host)).toBe(0);

  // "line 8" puts the caret on the offending line; fix the text right there.
  await bad.getByRole('button', { name: 'Go to line 8' }).click();
  await expect(dialog.editor).toBeFocused();
  await dialog.setText(BROKEN.replace('instructions: ""', 'instructions: echo fixed > out.txt').replace('"(unclosed"', '"fix(ed)?"'));
  await dialog.expectReady(2);
  expect(runCount(host)).toBe(0);
  await dialog.launch();

  // The other spec is still waiting; the runs list behind shows the launched one. The dialog says
  // what was launched itself: no toast sits over its Launch button.
  await expect(dialog.tabs).toHaveCount(0);
  await expect(dialog.root).toContainText('tidy.yaml');
  await expect(page.getByTestId('launch-done')).toContainText('One more spec to review.');
  await expect(page.locator('.toast', { hasText: 'Launched' })).toHaveCount(0);
  // The launched run finishes meanwhile, and says so in a toast that leaves the Launch button free.
  await expect(page.locator('.toast')).toContainText('Run completed: broken spec');
  await dialog.root.getByRole('button', { name: 'Launch run' }).click({ trial: true, timeout: 3_000 });
  await shell.screenshot('launch-one-left');
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await dialog.expectReady(2);
  await dialog.launchAndClose();
  const run = new RunPage(page);
  await expect(page).toHaveURL(/#\/runs\/run-/);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('tidy repo');
  await run.expectStatus('completed');
  expect(runCount(host)).toBe(2);
});

test('two specs naming the same run id: once one is launched, the other is flagged on its id line before Launch', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(host.url);
  const twin = (name: string) => `id: twin-run\nname: ${name}\ntask_specs:\n  - { id: a, name: A, instructions: echo a }\n`;
  await dropFiles(page, [{ name: 'a.yaml', text: twin('first') }, { name: 'b.yaml', text: twin('second') }]);
  const dialog = new LaunchDialog(page);
  await dialog.expectReady(1);
  await dialog.tab('b.yaml').click();
  await dialog.expectReady(1);
  await dialog.tab('a.yaml').click();
  await dialog.launch();
  await expect(dialog.tabs).toHaveCount(0);
  // The check made before the launch said Ready; it is made again now that the id is taken.
  await dialog.expectProblems(1);
  await expect(dialog.preview).toContainText('"twin-run" is already used by another run');
  await expect(dialog.preview.getByRole('button', { name: 'Go to line 1' })).toBeVisible();
  expect(runCount(host)).toBe(1);
});

test('Open picks several files; paste (Ctrl+V) previews spec text; Discard creates nothing', async ({ page, host, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.origin });
  const shell = new ShellPage(page);
  await shell.open(host.url);
  const dialog = new LaunchDialog(page);

  await page.getByRole('button', { name: /open task spec/i }).click();
  await page.getByTestId('spec-file-input').setInputFiles([
    { name: 'nightly.toml', mimeType: 'application/toml', buffer: Buffer.from('name = "nightly"\n\n[[task_specs]]\nid = "build"\nname = "Build"\ninstructions = "echo build"\n') },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') },
  ]);
  await expect(dialog.root).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: '"notes.txt" is not a task spec' })).toBeVisible();
  await expect(dialog.preview).toContainText('nightly');
  await expect(dialog.preview).toContainText('toml');
  await dialog.expectReady(1);
  await dialog.discardButton.click();
  await expect(dialog.root).toBeHidden();

  await pasteText(page, '[{"id": "one", "name": "From the clipboard", "instructions": "echo pasted"}]');
  await expect(dialog.root).toBeVisible();
  await expect(dialog.root).toContainText('pasted-spec.json');
  await expect(dialog.task('one')).toContainText('From the clipboard');
  await dialog.expectReady(1);
  await page.keyboard.press('Escape');
  await expect(dialog.root).toBeHidden();
  await expect(page.getByTestId('runs-empty')).toBeVisible();
  expect(runCount(host)).toBe(0);

  // A paste that is not a spec still shows where it goes wrong.
  await pasteText(page, 'name: [unclosed');
  await expect(dialog.root).toBeVisible();
  await dialog.expectProblems(1);
  await expect(dialog.preview.getByTestId('spec-issues-general')).toContainText('not valid YAML');
});

test('the gallery tries a bundled example with one click, and launching it runs it', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(host.url);
  const gallery = page.getByTestId('examples-gallery');
  // Every bundled example is offered (the gallery lists what the host's examples/ folder holds).
  const bundled = await callHost(host, 'specs.examples', {});
  await expect(gallery.getByRole('listitem')).toHaveCount(bundled.length);
  await expect(gallery).toContainText('A task that times out');
  await gallery.getByRole('button', { name: 'Try Hello, fleet' }).click();
  const dialog = new LaunchDialog(page);
  await expect(dialog.root).toContainText('hello.yaml');
  await dialog.expectReady(3);
  await page.keyboard.press('Control+Enter');
  await expect(dialog.root).toBeHidden({ timeout: 15_000 });
  const run = new RunPage(page);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('hello fleet');
  await run.expectStatus('completed');
  await expect(run.tasks.locator('[data-state="passed"]')).toHaveCount(3);

  // From a list with runs, the gallery is one button away.
  await shell.navLink({ id: 'runs', label: 'Runs', key: 'r', ready: 'runs-empty' }).click();
  await expect(page.getByTestId('runs-table')).toBeVisible();
  await page.getByRole('button', { name: 'Examples…' }).click();
  await expect(page.getByTestId('examples-dialog')).toBeVisible();
  await page.getByRole('button', { name: 'Try Waits for a person' }).click();
  await expect(page.getByTestId('examples-dialog')).toBeHidden();
  await expect(dialog.root).toContainText('manual-review.yaml');
});

test('the preview flags a worker that cannot be reached, with the cause, before Launch', async ({ page, host }) => {
  const closed = await freePort();
  const spec = `name: remote work
worker_specs:
  - id: far
    name: far box
    host: { kind: ssh, host: 127.0.0.1, port: ${closed}, user: nobody }
task_specs:
  - id: t
    name: Build there
    instructions: make
`;
  const shell = new ShellPage(page);
  await shell.open(host.url);
  await dropFiles(page, [{ name: 'remote.yaml', text: spec }]);
  const dialog = new LaunchDialog(page);
  await dialog.expectReady(1);
  const flagged = page.getByTestId('worker-reach').locator('[data-worker-id="far"]');
  await expect(flagged).toHaveAttribute('data-ok', 'false');
  await expect(flagged).toContainText(`far box (ssh) cannot be reached; its tasks would wait for it: worker far box: ssh nobody@127.0.0.1:${closed}: connection refused`);
});


test('once the preview asked the workers, it says so where Launch is, and no longer says they were not contacted', async ({ page, host }) => {
  // A short window: the Workers section with the answer is below the fold of the preview.
  await page.setViewportSize({ width: 1024, height: 700 });
  const closed = await freePort();
  const spec = `name: remote work
worker_specs:
  - id: far
    name: far box
    host: { kind: ssh, host: 127.0.0.1, port: ${closed}, user: nobody }
  - id: near
    name: near box
    host: { kind: ssh, host: 127.0.0.1, port: ${closed}, user: somebody }
task_specs:
  - id: t
    name: Build there
    instructions: make
`;
  await new ShellPage(page).open(host.url);
  await dropFiles(page, [{ name: 'remote.yaml', text: spec }]);
  const dialog = new LaunchDialog(page);
  await dialog.expectReady(1);
  await expect(page.getByTestId('worker-reach').locator('[data-worker-id="near"]')).toHaveAttribute('data-ok', 'false');
  await expect(dialog.status).toHaveText('Ready: 1 task. 2 of its workers cannot be reached (see Workers below): their tasks would wait for them. Nothing is created until you launch.');
  await expect(dialog.status).toBeInViewport();
  // Validation's note that the hosts were not contacted is out of date once they were.
  await expect(dialog.preview).not.toContainText('was not contacted');
});
