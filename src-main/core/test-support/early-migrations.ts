// A migrations folder holding only the first `count` migrations, as an older Shoal shipped them:
// upgrade tests build a store with it, write what that version wrote, then open it with today's.
import fs from 'node:fs';
import path from 'node:path';
import { resolveMigrationsDir } from '../store/open';
import { tempDir } from './temp-dir';

export function earlyMigrations(count: number): string {
  const src = resolveMigrationsDir();
  const dir = tempDir(`shoal-mig-${count}-`);
  fs.mkdirSync(path.join(dir, 'meta'));
  const journal = JSON.parse(fs.readFileSync(path.join(src, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  journal.entries = journal.entries.slice(0, count);
  fs.writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify(journal));
  for (const e of journal.entries) fs.copyFileSync(path.join(src, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
  return dir;
}
