// WAL checkpoints on a background thread. A checkpoint copies committed pages from the WAL into the
// database file and fsyncs it: real disk I/O that, done inline, lands on whichever commit crosses
// the threshold (about a sixth of a busy scheduler's time on this machine). A second connection on
// a worker thread does them instead with PASSIVE checkpoints, which never block the writer, so the
// thread that commits leases and receipts only appends to the WAL. Durability is unchanged: every
// commit is in the WAL (synchronous=NORMAL) before it is acknowledged, whoever checkpoints it.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** Pages after which the writer checkpoints on its own: a backstop for a checkpointer that cannot
 *  keep up (or died), so the WAL stays bounded (64 MB) either way. */
const BACKSTOP_PAGES = 16_384;
/** SQLite's default threshold, restored when the background thread is gone. */
const INLINE_PAGES = 1_000;
/** Between checkpoints while the WAL keeps changing, and when it does not. */
const BUSY_MS = 20;
const IDLE_MS = 250;

// Plain CommonJS evaluated in the worker: the app's bundles need no extra entry point for it, and it
// loads the same better-sqlite3 (and native binding) the main connection uses.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, workerData.nativeBinding ? { nativeBinding: workerData.nativeBinding } : {});
db.pragma('busy_timeout = 5000');
let last = '';
const checkpoint = () => {
  try {
    const state = JSON.stringify(db.pragma('wal_checkpoint(PASSIVE)'));
    const busy = state !== last;
    last = state;
    return busy;
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.message) || e) });
    return false;
  }
};
// While commits keep coming, checkpoint again soon: the sooner the WAL is fully copied between two
// commits, the sooner the writer starts it over and reuses its blocks instead of growing the file.
// When nothing changed, back off.
let timer;
const loop = () => { timer = setTimeout(loop, checkpoint() ? workerData.busyMs : workerData.idleMs); };
timer = setTimeout(loop, workerData.idleMs);
parentPort.on('message', () => {
  clearTimeout(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Stops the thread after a last checkpoint; resolves when its connection is closed. */
  close(): Promise<void>;
}

export interface CheckpointerOptions {
  nativeBinding?: string;
  onError?: (message: string) => void;
}

export function startCheckpointer(db: Database.Database, file: string, options: CheckpointerOptions = {}): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, file, nativeBinding: options.nativeBinding ?? null, busyMs: BUSY_MS, idleMs: IDLE_MS },
  });
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  // After a burst the WAL starts over once checkpointed; this trims a larger file back to 64 MB.
  db.pragma(`journal_size_limit = ${BACKSTOP_PAGES * 4096}`);
  let closing = false;
  const inline = () => {
    if (db.open) db.pragma(`wal_autocheckpoint = ${INLINE_PAGES}`);
  };
  worker.on('message', (m: { error?: string }) => m.error && options.onError?.(`background checkpoint failed: ${m.error}`));
  worker.on('error', (e) => {
    options.onError?.(`background checkpoints stopped (${e.message}); checkpointing inline`);
    inline();
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => {
    if (!closing) inline();
    resolve();
  }));
  // After the listeners (adding one refs the thread again): it must never keep Shoal running.
  worker.unref();
  return {
    close() {
      if (!closing) {
        closing = true;
        // Held from here until it has exited: a caller awaiting this must not see the process end first.
        worker.ref();
        worker.postMessage('close');
      }
      return exited;
    },
  };
}
