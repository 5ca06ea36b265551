// Page object for the launch preview: the received specs, their text, the workspace, the preview
// with problems next to what they are about, and Launch.
import { expect, type Locator, type Page } from '@playwright/test';

export class LaunchDialog {
  readonly root: Locator;
  readonly tabs: Locator;
  readonly editor: Locator;
  readonly workspace: Locator;
  readonly preview: Locator;
  readonly status: Locator;
  readonly launchButton: Locator;
  readonly discardButton: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('launch-dialog');
    this.tabs = this.root.getByTestId('draft-tab');
    this.editor = this.root.getByTestId('spec-editor');
    this.workspace = this.root.getByTestId('workspace-input');
    this.preview = this.root.getByTestId('spec-preview');
    this.status = this.root.getByTestId('launch-status');
    this.launchButton = this.root.getByRole('button', { name: 'Launch run' });
    this.discardButton = this.root.getByRole('button', { name: 'Discard' });
  }

  tab(filename: string): Locator {
    return this.root.getByRole('tab', { name: new RegExp(filename.replace('.', '\\.')) });
  }

  task(id: string): Locator {
    return this.preview.locator(`[data-testid="preview-task"][data-task-id="${id}"]`);
  }

  async expectReady(tasks: number): Promise<void> {
    await expect(this.status).toHaveText(new RegExp(`^Ready: ${tasks} tasks?\\.`), { timeout: 10_000 });
    await expect(this.launchButton).toBeEnabled();
  }

  async expectProblems(n: number): Promise<void> {
    await expect(this.status).toHaveText(`${n} ${n === 1 ? 'problem' : 'problems'} to fix before this spec can launch.`, { timeout: 10_000 });
    await expect(this.launchButton).toBeDisabled();
  }

  async setText(text: string): Promise<void> {
    await this.editor.fill(text);
  }

  async launch(): Promise<void> {
    await this.launchButton.click();
  }

  /** Launches the last spec in the dialog and waits for it to close, as a person would before
   *  looking at the run (the run page renders beneath the closing dialog, so asserting at once
   *  would see both). */
  async launchAndClose(): Promise<void> {
    await this.launch();
    await expect(this.root).toBeHidden({ timeout: 15_000 });
  }
}
