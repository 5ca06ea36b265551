// Page object for a run: its status, the timeline canvas (hover, click, keyboard), the tasks table.
import { expect, type Locator, type Page } from '@playwright/test';

// Geometry of the timeline canvas (src-renderer/src/features/timeline/timeline-model.ts).
const LABEL_W = 176;
const LANES_TOP = 26 + 44;
const FIRST_ROW_Y = LANES_TOP + 7 + 9;
const ROW_STEP = 22;

export class RunPage {
  readonly article: Locator;
  readonly status: Locator;
  readonly timeline: Locator;
  readonly canvas: Locator;
  readonly tooltip: Locator;
  readonly tasks: Locator;

  constructor(readonly page: Page) {
    this.article = page.locator('article.run-detail');
    this.status = this.article.locator('.run-head-title .pill');
    this.timeline = page.getByTestId('timeline');
    this.canvas = this.timeline.locator('canvas');
    this.tooltip = page.getByTestId('timeline-tooltip');
    this.tasks = page.getByTestId('tasks-table');
  }

  taskRow(taskId: string): Locator {
    return this.tasks.locator(`[data-testid="task-row"][data-task-id="${taskId}"]`);
  }

  async expectStatus(status: string, timeout = 30_000): Promise<void> {
    await expect(this.article).toHaveAttribute('data-status', status, { timeout });
  }

  /** Moves the pointer along the timeline rows until the tooltip names `taskName`; returns where. */
  async hoverBar(taskName: RegExp, rows = 4): Promise<{ x: number; y: number }> {
    await expect(this.timeline).toHaveAttribute('data-ready', 'true');
    const box = (await this.canvas.boundingBox())!;
    for (let row = 0; row < rows; row++) {
      const y = FIRST_ROW_Y + row * ROW_STEP;
      for (let x = LABEL_W + 6; x < box.width - 4; x += 6) {
        await this.page.mouse.move(box.x + x, box.y + y);
        if (await this.tooltip.isVisible() && taskName.test((await this.tooltip.textContent()) ?? '')) return { x: box.x + x, y: box.y + y };
      }
    }
    throw new Error(`no bar for ${taskName} under the pointer`);
  }
}
