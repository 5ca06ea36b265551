// Page object for the Jobs view.
import type { Locator, Page } from '@playwright/test';

export class JobsPage {
  readonly table: Locator;
  readonly rows: Locator;

  constructor(readonly page: Page) {
    this.table = page.getByTestId('jobs-table');
    this.rows = page.getByTestId('job-row');
  }

  row(name: string): Locator {
    return this.page.locator(`[data-testid="job-row"][data-job="${name}"]`);
  }

  runButton(label: string): Locator {
    return this.page.getByRole('button', { name: `Run ${label.toLowerCase()}` }).first();
  }
}
