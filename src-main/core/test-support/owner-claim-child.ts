// A separate process for the owner-lock race test: opens the store, waits for a shared start
// instant, claims the runtime's duties, prints the outcome as one JSON line, then holds on (alive,
// so its claim stays valid) until its stdin closes.
import { openStore } from '../store/open';
import { SettingsTable } from '../store/settings-table';
import { OwnerLock } from '../runtime/owner-lock';

const [dbPath, startAt] = process.argv.slice(2);
const store = openStore(dbPath!);
const lock = new OwnerLock(new SettingsTable(store));
const wait = Number(startAt) - Date.now();
setTimeout(() => {
  const won = lock.claim();
  process.stdout.write(`${JSON.stringify({ pid: process.pid, won, holder: lock.holder?.pid ?? null })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    lock.release();
    store.close();
    process.exit(0);
  });
}, Math.max(0, wait));
