// A spec file whose bytes are not UTF-8 (saved as Latin-1, say) is refused when it is picked or
// dropped, naming the byte and where it is, as `shoal validate` does: it never reaches the preview
// with "�" in its names and instructions. One saved with a byte-order mark is read as usual.
import { expect, test } from './fixtures/shoal-host';
import { LaunchDialog } from './pages/launch-dialog';
import { ShellPage } from './pages/shell-page';

test('a spec that is not UTF-8 is refused with its place; one with a byte-order mark previews', async ({ page, host }) => {
  const shell = new ShellPage(page);
  await shell.open(host.url);
  const dialog = new LaunchDialog(page);

  const latin1 = Buffer.concat([Buffer.from('name: ok\ntask_specs:\n  - { id: a, name: "caf'), Buffer.from([0xe9]), Buffer.from('", instructions: echo }\n')]);
  await page.getByTestId('spec-file-input').setInputFiles({ name: 'latin1.yaml', mimeType: 'application/yaml', buffer: latin1 });
  await expect(page.getByRole('status').filter({ hasText: '"latin1.yaml" is not UTF-8 text: byte 0xe9 at line 3, column 24' })).toBeVisible();
  await expect(dialog.root).toBeHidden();

  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"with bom","task_specs":[{"id":"a","name":"Café","instructions":"echo a"}]}')]);
  await page.getByTestId('spec-file-input').setInputFiles({ name: 'notepad.json', mimeType: 'application/json', buffer: bom });
  await expect(dialog.root).toBeVisible();
  await expect(dialog.task('a')).toContainText('Café');
  await dialog.expectReady(1);
});
