// The Workers view's "Still to stop on hosts": an owed reap written to the store by another process
// (as a crashed Shoal would have left it) shows up live; Retry now has the host try it at once (its
// SSH host, a listener on 127.0.0.1 that drops every login, fails it with a cause shown in the row);
// Forget asks first, then the row goes, the marker is cleared and the audit log says who. The row
// of the worker whose attempt left it counts it ("1 to stop"), which takes the reader to the entry.
import net from 'node:net';
import Database from 'better-sqlite3';
import { expect, test } from './fixtures/shoal-host';
import { SECTIONS, ShellPage } from './pages/shell-page';

/** A run whose attempt 1 left work on an SSH host and lost its lease (the run then failed). */
function seedOwedReap(dbPath: string, port: number): { runId: string; work: string } {
  const db = new Database(dbPath);
  const runId = 'run-owed-e2e';
  const hostRef = { kind: 'ssh', host: '127.0.0.1', port, user: 'nobody', pgid: 4242, dir: '/tmp/shoal-owed-e2e' };
  try {
    db.transaction(() => {
      db.prepare(`INSERT INTO workers (id, name, host, status, created_at) VALUES ('gpu-box', 'gpu-box', ?, 'offline', '2026-11-30T09:00:00.000Z')`)
        .run(JSON.stringify({ kind: 'ssh', host: '127.0.0.1', port, user: 'nobody' }));
      db.prepare(`INSERT INTO runs (id, name, status, created_at, completed_at, tasks_total, tasks_failed) VALUES (?, 'nightly refactor', 'failed', '2026-11-30T09:00:00.000Z', '2026-11-30T10:00:00.000Z', 1, 1)`).run(runId);
      db.prepare(`INSERT INTO tasks (run_id, task_id, ordinal, name, spec, state, attempts) VALUES (?, 'split-module', 0, 'Split the parser module', '{}', 'failed', 1)`).run(runId);
      db.prepare(`INSERT INTO attempts (run_id, task_id, attempt, worker_id, lease_token, state, host_ref, started_at, ended_at, reason, reap_pending)
        VALUES (?, 'split-module', 1, 'gpu-box', 'gone', 'lost', ?, '2026-11-30T09:00:05.000Z', '2026-11-30T09:30:00.000Z', 'lease expired: worker stopped renewing', 1)`)
        .run(runId, JSON.stringify(hostRef));
    })();
  } finally {
    db.close();
  }
  return { runId, work: `ssh nobody@127.0.0.1:${port} pgid 4242` };
}

test('owed reaps show in the Workers view; Retry now tries at once and shows the cause; Forget asks, then clears it', async ({ page, host }) => {
  test.setTimeout(60_000);
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const shell = new ShellPage(page);
    await shell.open(`${host.url}#/workers`);
    await expect(page.getByTestId('workers-table')).toBeVisible();
    await expect(page.getByTestId('owed-reaps')).toHaveCount(0); // nothing owed: no section

    // Written by another process: the host sees the commit and the view refetches.
    const { runId, work } = seedOwedReap(host.dbPath, (server.address() as net.AddressInfo).port);
    const section = page.getByTestId('owed-reaps');
    await expect(section.getByRole('heading', { name: 'Still to stop on hosts' })).toBeVisible({ timeout: 10_000 });
    const row = section.getByTestId('owed-reap');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText(work);
    await expect(row).toContainText('on gpu-box');
    await expect(row).toContainText('Split the parser module (attempt 1)');
    await expect(row).toContainText('nightly refactor');
    await expect(row).toContainText('not tried yet here');

    // Its worker's row in the table counts it (this computer owes nothing: no badge), and the count
    // takes the reader to that entry.
    const table = page.getByTestId('workers-table');
    const badge = table.locator('[data-testid="worker-row"][data-worker-id="gpu-box"]').getByTestId('worker-owed');
    await expect(badge).toHaveText('1 to stop');
    await expect(badge).toHaveAttribute('title', /Shoal still has to stop the work of 1 attempt on this worker's host/);
    await expect(table.locator('[data-testid="worker-row"][data-worker-id="local"]')).toBeVisible();
    await expect(table.getByTestId('worker-owed')).toHaveCount(1);
    await page.setViewportSize({ width: 1024, height: 640 });
    await expect(badge).toBeInViewport();
    await page.screenshot({ path: test.info().outputPath('workers-owed-badge-1024.png'), animations: 'disabled', caret: 'hide' });
    await badge.click();
    await expect(row).toBeFocused();
    await expect(row).toBeInViewport();
    await page.screenshot({ path: test.info().outputPath('workers-owed-entry-focused-1024.png'), animations: 'disabled', caret: 'hide' });
    await page.setViewportSize({ width: 1280, height: 800 });

    await row.getByRole('button', { name: /^Retry now/ }).click();
    await expect(row.locator('.owed-reap-error')).toContainText(/^\d+ tr(y|ies) failed: ssh nobody@127\.0\.0\.1:\d+: /, { timeout: 15_000 });
    await section.scrollIntoViewIfNeeded();
    await section.screenshot({ path: test.info().outputPath('owed-reaps-section.png'), animations: 'disabled', caret: 'hide' });
    await shell.screenshot('workers-owed-reaps');

    // Forget asks first; keeping it changes nothing.
    await row.getByRole('button', { name: /^Forget/ }).click();
    const dialog = page.getByTestId('forget-reap-dialog');
    await expect(dialog).toContainText('If it is still running on that host, ending it is up to you.');
    await dialog.getByRole('button', { name: 'Keep trying' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(row).toHaveCount(1);

    await row.getByRole('button', { name: /^Forget/ }).click();
    await dialog.screenshot({ path: test.info().outputPath('forget-reap-dialog.png'), animations: 'disabled', caret: 'hide' });
    await dialog.getByRole('button', { name: 'Forget it' }).click();
    await expect(section).toHaveCount(0);
    await expect(badge).toHaveCount(0); // nothing owed there any more: no count

    const db = new Database(host.dbPath, { readonly: true, fileMustExist: true });
    try {
      expect(db.prepare(`SELECT reap_pending FROM attempts WHERE run_id = ?`).get(runId)).toEqual({ reap_pending: 0 });
      expect(db.prepare(`SELECT actor, action, subject FROM audit_log WHERE action = 'reap.forgotten'`).all()).toEqual([{ actor: 'you', action: 'reap.forgotten', subject: `${runId}/split-module#1` }]);
    } finally {
      db.close();
    }
    expect(host.stderr()).toContain(`[shoal] you took over ending ${work} of ${runId}/split-module (attempt 1)`);

    // The audit log (Approvals) says who took it over.
    await shell.navLink(SECTIONS.find((x) => x.id === 'approvals')!).click();
    await expect(page.getByTestId('audit-log')).toBeVisible();
    const audited = page.locator('[data-testid="audit-row"][data-action="reap.forgotten"]');
    await expect(audited).toContainText('Taken over');
    await expect(audited).toContainText(`stop ${work} on gpu-box`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
