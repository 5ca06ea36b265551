// Page object for a run's Land section: conflict warnings, best-of-N candidates, the land form and
// its outcome per task.
import { expect, type Locator, type Page } from '@playwright/test';

export class LandPage {
  readonly panel: Locator;
  readonly warnings: Locator;
  readonly result: Locator;

  constructor(readonly page: Page) {
    this.panel = page.getByTestId('land-panel');
    this.warnings = this.panel.getByTestId('conflict-warning');
    this.result = this.panel.getByTestId('land-result');
  }

  group(id: string): Locator {
    return this.panel.locator(`[data-testid="candidate-group"][data-group="${id}"]`);
  }

  candidate(taskId: string): Locator {
    return this.panel.locator(`[data-testid="candidate-row"][data-task-id="${taskId}"]`);
  }

  async expectWinner(group: string, taskId: string): Promise<void> {
    await expect(this.group(group).getByTestId('candidate-winner')).toContainText(taskId);
    await expect(this.candidate(taskId)).toHaveAttribute('data-winner', 'true');
  }

  async pick(taskId: string): Promise<void> {
    await this.candidate(taskId).getByRole('button', { name: 'Pick this one' }).click();
  }

  async compare(group: string, a: string, b: string): Promise<Locator> {
    const g = this.group(group);
    await g.getByLabel('Compare candidate').selectOption(a);
    await g.getByLabel('With candidate').selectOption(b);
    await g.getByRole('button', { name: 'Show diff' }).click();
    return g.getByTestId('compare-diff');
  }

  async land(into?: string, how?: 'merge' | 'squash' | 'branches'): Promise<void> {
    if (into !== undefined) await this.panel.getByLabel('Into branch').fill(into);
    if (how) await this.panel.getByLabel('How to land').selectOption(how);
    await this.panel.getByRole('button', { name: 'Land', exact: true }).click();
  }

  item(taskId: string): Locator {
    return this.result.locator(`[data-testid="land-item"][data-task-id="${taskId}"]`);
  }
}
