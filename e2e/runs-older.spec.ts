// The runs list shows the most recent runs first and every older one on request: a store with more
// runs than one page still lets a person reach the first run ever made.
import { expect, test } from './fixtures/shoal-host';
import { callHost } from './fixtures/host-call';
import { ShellPage } from './pages/shell-page';

const RUNS = 105;

test(`all ${RUNS} runs can be reached from the runs list, the oldest last`, async ({ page, host }) => {
  test.setTimeout(90_000);
  // Tasks no worker here can take: the runs wait, so making them costs no agent time.
  for (let i = 0; i < RUNS; i++) {
    const spec = { id: `run-${String(i).padStart(3, '0')}`, name: `run ${i}`, task_specs: [{ id: 't', name: 'T', instructions: 'true', metadata: { requires: ['no-such-capability'] } }] };
    await callHost(host, 'specs.launch', { text: JSON.stringify(spec), filename: `r${i}.json` });
  }
  const shell = new ShellPage(page);
  await shell.open(host.url);
  const rows = page.getByTestId('run-row');
  await expect(rows).toHaveCount(100);
  await expect(page.getByText('The 100 most recent runs')).toBeVisible();
  await page.getByRole('button', { name: 'Show older runs' }).click();
  await expect(rows).toHaveCount(RUNS);
  await expect(page.getByText(`${RUNS} runs`, { exact: true })).toBeVisible();
  await expect(rows.last()).toHaveAttribute('data-run-id', 'run-000');
  await expect(page.getByRole('button', { name: 'Show older runs' })).toHaveCount(0);

  // Still live: a new run comes in at the top, and the older ones stay listed.
  await callHost(host, 'specs.launch', { text: JSON.stringify({ id: 'run-new', name: 'run new', task_specs: [{ id: 't', name: 'T', instructions: 'true', metadata: { requires: ['no-such-capability'] } }] }), filename: 'new.json' });
  await expect(rows.first()).toHaveAttribute('data-run-id', 'run-new');
  await expect(rows).toHaveCount(RUNS + 1);
});
