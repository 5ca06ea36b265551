// Page object for the app shell: the sidebar, the header, the routed content. Specs talk in terms
// of sections and states; the selectors (roles first, test ids where a role is ambiguous) live here.
import path from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';

export const SECTIONS = [
  // `ready`: the test id of what a fresh data dir shows there (a fresh host registers this computer
  // as a worker, so Workers has a table rather than an empty state).
  { id: 'runs', label: 'Runs', key: 'r', ready: 'runs-empty' },
  { id: 'workers', label: 'Workers', key: 'w', ready: 'workers-table' },
  { id: 'threads', label: 'Threads', key: 't', ready: 'threads-empty' },
  { id: 'jobs', label: 'Jobs', key: 'j', ready: 'jobs-empty' },
  { id: 'approvals', label: 'Approvals', key: 'a', ready: 'approvals-empty' },
  { id: 'alerts', label: 'Alerts', key: 'l', ready: 'alerts-empty' },
  { id: 'settings', label: 'Settings', key: 's', ready: 'about' },
] as const;
export type Section = (typeof SECTIONS)[number];

// The README's pictures (tracked) are rewritten only on purpose, by `npm run screenshots`; a normal
// test run still takes every picture (so the code path stays tested) but into ignored test output.
export const SCREENSHOT_DIR = process.env.SHOAL_SCREENSHOTS === '1'
  ? path.resolve(import.meta.dirname, '..', 'screenshots')
  : path.resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

export class ShellPage {
  readonly nav: Locator;
  readonly heading: Locator;
  readonly content: Locator;
  readonly connection: Locator;
  readonly banner: Locator;

  constructor(readonly page: Page) {
    this.nav = page.getByRole('navigation', { name: 'Sections' });
    this.heading = page.getByRole('banner').getByRole('heading', { level: 1 });
    this.content = page.locator('main#content');
    this.connection = page.getByTestId('connection');
    this.banner = page.getByTestId('connection-banner');
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await expect(this.connection).toHaveAttribute('data-status', 'open');
  }

  navLink(section: Section): Locator {
    return this.nav.getByRole('link', { name: section.label });
  }

  async clickSection(section: Section): Promise<void> {
    await this.navLink(section).click();
    await this.expectSection(section);
  }

  async expectSection(section: Section): Promise<void> {
    await expect(this.page).toHaveURL(new RegExp(`#/${section.id}$`));
    await expect(this.heading).toHaveText(section.label);
    await expect(this.navLink(section)).toHaveAttribute('aria-current', 'page');
    await expect(this.content).toHaveAttribute('data-section', section.id);
    await expect(this.page.getByTestId(section.ready)).toBeVisible();
  }

  /** Focuses the first sidebar link with Tab from the top of the page (past the skip link). */
  async focusSidebar(): Promise<void> {
    await this.page.locator('body').focus();
    for (let i = 0; i < 5; i++) {
      await this.page.keyboard.press('Tab');
      const inNav = await this.nav.evaluate((nav) => nav.contains(document.activeElement));
      if (inNav) return;
    }
    throw new Error('Tab never reached the sidebar');
  }

  async focusedSectionId(): Promise<string | null> {
    return this.page.evaluate(() => document.activeElement?.getAttribute('data-section') ?? null);
  }

  /** Like screenshot, but leaves the pointer where it is (to show a hover, e.g. a tooltip). */
  async screenshotWithPointer(name: string): Promise<void> {
    await this.page.evaluate(() => document.fonts.ready);
    await this.page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), animations: 'disabled', caret: 'hide' });
  }

  async screenshot(name: string): Promise<void> {
    // Let the 200 ms loading delay, fonts and transitions settle so the picture is of the real state.
    await this.page.evaluate(() => document.fonts.ready);
    await this.page.mouse.move(0, 799);
    await this.page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), animations: 'disabled', caret: 'hide' });
  }
}
