// Page object for the Threads view: the list, the open conversation and its composer.
import { expect, type Locator, type Page } from '@playwright/test';

export class ThreadsPage {
  readonly list: Locator;
  readonly conversation: Locator;
  readonly messageBox: Locator;
  readonly toolCalls: Locator;

  constructor(readonly page: Page) {
    this.list = page.getByTestId('thread-list');
    this.conversation = page.getByTestId('conversation');
    this.messageBox = page.getByRole('textbox', { name: 'Message' });
    this.toolCalls = page.getByTestId('tool-call');
  }

  /** Starts a thread through the New thread dialog, in `folder` if given (else its scratch folder). */
  async newThread(folder?: string): Promise<void> {
    const empty = this.page.getByTestId('threads-empty');
    const newButton = this.page.getByRole('button', { name: 'New', exact: true });
    // The view shows neither until the thread list has loaded: wait for one, then pick.
    await expect(empty.or(newButton).first()).toBeVisible();
    if (await empty.isVisible()) await empty.getByRole('button', { name: 'New thread' }).click();
    else await newButton.click();
    const dialog = this.page.getByTestId('new-thread-dialog');
    if (folder) await dialog.getByLabel('Working folder').fill(folder);
    await dialog.getByRole('button', { name: 'Start' }).click();
    await expect(this.page).toHaveURL(/#\/threads\/thread-[0-9a-f-]{36}$/);
    await expect(this.messageBox).toBeFocused();
  }

  async send(text: string): Promise<void> {
    await this.messageBox.fill(text);
    await this.messageBox.press('Enter');
    await expect(this.messageBox).toHaveValue('');
  }

  assistantMessages(): Locator {
    return this.conversation.getByTestId('msg-assistant');
  }

  async threadId(): Promise<string> {
    return /#\/threads\/(thread-[0-9a-f-]+)/.exec(this.page.url())![1]!;
  }
}
