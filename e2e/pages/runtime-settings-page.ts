// Page object for Settings › Model providers and Settings › MCP servers.
import { expect, type Locator, type Page } from '@playwright/test';

export class RuntimeSettingsPage {
  readonly providers: Locator;
  readonly mcp: Locator;

  constructor(readonly page: Page) {
    this.providers = page.getByTestId('providers-settings');
    this.mcp = page.getByTestId('mcp-settings');
  }

  async fillProvider(fields: { name: string; baseUrl: string; model: string; apiKey?: string }): Promise<Locator> {
    const form = this.providers.getByTestId('provider-form');
    await form.getByLabel('Name').fill(fields.name);
    await form.getByLabel('Base URL').fill(fields.baseUrl);
    await form.getByLabel('Model').fill(fields.model);
    if (fields.apiKey !== undefined) await form.getByLabel('API key').fill(fields.apiKey);
    return form;
  }

  async fillMcpServer(fields: { name: string; command: string; args: string[]; env?: string }): Promise<Locator> {
    const form = this.mcp.getByTestId('mcp-form');
    await form.getByLabel('Name').fill(fields.name);
    await form.getByLabel('Command', { exact: true }).fill(fields.command);
    await form.getByLabel('Arguments, one per line').fill(fields.args.join('\n'));
    if (fields.env !== undefined) await form.getByLabel('Environment').fill(fields.env);
    return form;
  }

  async expectCheck(scope: Locator, ok: boolean, text: string | RegExp): Promise<void> {
    const result = scope.getByTestId('check-result');
    await expect(result).toHaveAttribute('data-ok', String(ok), { timeout: 20_000 });
    await expect(result).toContainText(text);
  }
}
