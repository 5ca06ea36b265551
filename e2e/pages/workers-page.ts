// Page object for the Workers view's remote agents: Add worker → Remote agent, the listener notice,
// the minted command, agent rows by name and state, and pending join tokens.
import type { Locator, Page } from '@playwright/test';

export class WorkersPage {
  readonly dialog: Locator;

  constructor(readonly page: Page) {
    this.dialog = page.getByTestId('add-worker-dialog');
  }

  async openRemoteAgentDialog(): Promise<void> {
    await this.page.getByTestId('add-worker').click();
    await this.dialog.getByRole('radio', { name: /Remote agent/ }).check();
  }

  /** The agent's row (remote agents are listed by name), optionally in a given state. */
  agentRow(name: string, state?: 'online' | 'stale' | 'offline' | 'revoked'): Locator {
    const rows = this.page.locator(`[data-testid="worker-row"]${state ? `[data-agent-state="${state}"]` : '[data-agent-state]'}`);
    return rows.filter({ hasText: name });
  }

  joinToken(id: string): Locator {
    return this.page.locator(`[data-testid="join-token"][data-token-id="${id}"]`);
  }
}
