// Getting spec files into the window the ways a person does: dropping them (a real drag-and-drop
// with a DataTransfer holding File objects, several at once) and pasting text.
import type { Page } from '@playwright/test';

export interface SpecFile {
  name: string;
  text: string;
}

/** Drags `files` over the window and drops them, as the OS does when a person drops files. */
export async function dropFiles(page: Page, files: SpecFile[]): Promise<void> {
  const data = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([f.text], f.name, { type: f.name.endsWith('.json') ? 'application/json' : 'text/plain' }));
    return dt;
  }, files);
  const target = page.locator('main#content');
  await target.dispatchEvent('dragenter', { dataTransfer: data });
  await target.dispatchEvent('dragover', { dataTransfer: data });
  await target.dispatchEvent('drop', { dataTransfer: data });
  await data.dispose();
}

/** Puts text on the clipboard and presses Ctrl+V with nothing focused, as a person pasting a spec. */
export async function pasteText(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.locator('body').click({ position: { x: 5, y: 790 } });
  await page.keyboard.press('ControlOrMeta+V');
}
