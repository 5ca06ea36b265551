// The Land section at a 1024 px wide window: long task ids (and so long result branch names) in the
// candidates table and in the landing's outcome wrap (the whole id also on hover), the agent is cut
// short; nothing in the section scrolls sideways.
import { expect, test } from './fixtures/shoal-host';
import { makeGitRepo } from './fixtures/git-repo';
import { callHost } from './fixtures/host-call';
import { sidewaysScrollers } from './fixtures/layout';
import { LandPage } from './pages/land-page';
import { RunPage } from './pages/run-page';
import { ShellPage } from './pages/shell-page';

const ID = 'refactor-the-session-middleware-to-use-signed-cookies';

test('at 1024 px the candidates and the landing outcome fit the window, long names wrapped and whole on hover', async ({ page, host }) => {
  test.setTimeout(120_000);
  const repo = makeGitRepo({ 'README.md': 'hello\n' });
  try {
    // Each candidate writes its own file and n passing tests; a person picks the winner.
    const script = 'n=${0##*.c}; printf \'<testsuite tests="%s" failures="0"></testsuite>\' $n > junit.xml; echo "$0" > "$0.txt"';
    const spec = {
      name: 'narrow window',
      task_specs: [{
        id: ID, name: 'Signed cookies', instructions: script, scorer: { kind: 'manual' }, expected_artifacts: ['test_result'], retry_policy: { max_attempts: 1 },
        metadata: { candidates: 2, agent: { command: 'sh -c {instructions} {task_id}' }, artifact_paths: { test_result: 'junit.xml' } },
      }],
    };
    const { runId } = await callHost(host, 'specs.launch', { text: JSON.stringify(spec), filename: 'narrow.json', workspace: repo.dir });
    await page.setViewportSize({ width: 1024, height: 768 });
    const shell = new ShellPage(page);
    await shell.open(`${host.url}#/runs/${runId}`);
    const land = new LandPage(page);
    // Both candidates wait for review, each row with its widest button.
    await expect(land.candidate(`${ID}.c1`).getByRole('button', { name: 'Pick as the reviewed winner' })).toBeVisible({ timeout: 30_000 });
    await expect(land.candidate(`${ID}.c2`).getByRole('button', { name: 'Pick as the reviewed winner' })).toBeVisible();
    // The whole id is there on hover, whatever the cell shows.
    await expect(land.candidate(`${ID}.c1`).locator('td').first()).toHaveAttribute('title', `${ID}.c1`);
    expect(await sidewaysScrollers(page)).toEqual([]);
    await page.locator('.toasts').evaluate((t) => { t.style.visibility = 'hidden'; });
    await land.panel.scrollIntoViewIfNeeded();
    await shell.screenshot('land-narrow-candidates');
    await page.locator('.toasts').evaluate((t) => { t.style.visibility = ''; });

    await land.candidate(`${ID}.c2`).getByRole('button', { name: 'Pick as the reviewed winner' }).click();
    await land.expectWinner(ID, `${ID}.c2`);
    await new RunPage(page).expectStatus('failed'); // the candidate not picked failed its review
    // Left as a branch: the outcome names the long branch.
    await land.land('main', 'branches');
    await expect(land.result).toHaveAttribute('data-status', 'done');
    await expect(land.item(`${ID}.c2`)).toContainText(`left as branch shoal/`);
    expect(await sidewaysScrollers(page)).toEqual([]);
    // (The toasts of the review and the run's end would cover the outcome in the picture.)
    await page.locator('.toasts').evaluate((t) => { t.style.visibility = 'hidden'; });
    await land.result.scrollIntoViewIfNeeded();
    await shell.screenshot('land-narrow-result');
  } finally {
    repo.dispose();
  }
});
