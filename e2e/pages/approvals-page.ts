// Page object for approvals: the dialog that comes forward over any view, the inbox with its batch
// actions and the audit log, and the exec-policy section of Settings.
import { expect, type Locator, type Page } from '@playwright/test';

export class ApprovalDialog {
  readonly root: Locator;
  readonly command: Locator;
  readonly cwd: Locator;
  readonly rule: Locator;
  readonly diff: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('approval-dialog');
    this.command = this.root.getByTestId('approval-command');
    this.cwd = this.root.getByTestId('approval-cwd');
    this.rule = this.root.getByTestId('approval-rule');
    this.diff = this.root.getByTestId('approval-diff');
  }

  decision(name: string): Locator {
    return this.root.locator(`[data-decision="${name}"]`);
  }

  async decisions(): Promise<string[]> {
    return this.root.locator('[data-decision]').evaluateAll((els) => els.map((e) => e.getAttribute('data-decision') ?? ''));
  }

  async expectCommand(text: string | RegExp): Promise<void> {
    await expect(this.root).toBeVisible({ timeout: 30_000 });
    await expect(this.command).toContainText(text, { timeout: 30_000 });
  }
}

export class ApprovalsInbox {
  readonly root: Locator;
  readonly rows: Locator;
  readonly selectAll: Locator;
  readonly approveSelected: Locator;
  readonly denySelected: Locator;
  readonly audit: Locator;
  readonly auditRows: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('approvals-inbox');
    this.rows = this.root.getByTestId('approval-row');
    this.selectAll = this.root.getByRole('checkbox', { name: 'Select all' });
    this.approveSelected = this.root.getByTestId('batch-approve');
    this.denySelected = this.root.getByTestId('batch-deny');
    this.audit = page.getByTestId('audit-log');
    this.auditRows = this.audit.getByTestId('audit-row');
  }
}
