// Page object for the Alerts view.
import type { Locator, Page } from '@playwright/test';

export class AlertsPage {
  readonly table: Locator;
  readonly rows: Locator;
  readonly empty: Locator;

  constructor(readonly page: Page) {
    this.table = page.getByTestId('alerts-table');
    this.rows = page.getByTestId('alert-row');
    this.empty = page.getByTestId('alerts-empty');
  }

  /** The row of the delivery whose "Alert" cell mentions `text` (a rule, a task id, "Test"). */
  row(text: string | RegExp): Locator {
    return this.rows.filter({ hasText: text });
  }

  retry(row: Locator): Locator {
    return row.getByRole('button', { name: 'Retry' });
  }

  sendTest(label: string): Locator {
    return this.page.getByRole('button', { name: `Send test · ${label}` }).first();
  }
}
