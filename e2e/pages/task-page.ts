// Page object for a task: state, actions, review, attempts, and the Output / Artifacts / Events /
// Receipt tabs with their viewers.
import { expect, type Locator, type Page } from '@playwright/test';

export class TaskPage {
  readonly view: Locator;
  readonly title: Locator;
  readonly state: Locator;
  readonly attempts: Locator;
  readonly review: Locator;
  readonly output: Locator;

  constructor(readonly page: Page) {
    this.view = page.locator('article.task-view');
    this.title = page.locator('#task-title');
    this.state = this.view.locator('.run-head-title .pill');
    this.attempts = page.getByTestId('attempt');
    this.review = page.getByTestId('review-panel');
    this.output = page.getByTestId('live-output');
  }

  async expectState(state: string | RegExp, timeout = 30_000): Promise<void> {
    await expect(this.view).toHaveAttribute('data-state', state, { timeout });
  }

  async openTab(name: 'Output' | 'Artifacts' | 'Events' | 'Receipt'): Promise<void> {
    await this.page.getByRole('tab', { name: new RegExp(`^${name}`) }).click();
  }

  artifact(name: string): Locator {
    return this.page.getByTestId('artifact-list').getByRole('button', { name: new RegExp(name.replace('.', '\\.')) });
  }
}
