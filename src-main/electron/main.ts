// Electron entry: one window onto the core. Security posture: context isolation, sandbox, no Node in
// the renderer, a strict CSP (in index.html), and no navigation or new windows.
import { app, BrowserWindow, Notification, session, shell } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShoalCore } from '../core/shoal';
import { IPC_EVENT_CHANNEL, type ServerEvent } from '../../src-shared/contract';
import { registerIpc, streamEvents } from './ipc-bridge';
import { safeStorageCipher } from './secret-store';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererUrl = process.env.ELECTRON_RENDERER_URL;
const rendererFile = path.join(here, '../renderer/index.html');

function trustedUrl(url: string): boolean {
  if (rendererUrl) return url.startsWith(rendererUrl);
  return url.startsWith('file://') && decodeURIComponent(new URL(url).pathname).endsWith('/renderer/index.html');
}

/** better-sqlite3 is compiled for plain Node by `npm install`; Electron has its own ABI, so
 *  scripts/start.js builds a second copy for Electron into .native/ and we load that one. */
function electronNativeBinding(): string | undefined {
  const candidates = [process.env.SHOAL_ELECTRON_NATIVE, path.join(here, '../../.native/electron/better_sqlite3.node'), path.join(process.resourcesPath ?? '', 'native/better_sqlite3.node')];
  return candidates.find((p): p is string => !!p && fs.existsSync(p));
}

/** The named fields that are set, and only those (an optional field is never `undefined` on the wire). */
function pick<T extends object, K extends keyof T>(from: T, ...keys: K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
  return out;
}

async function start(): Promise<void> {
  await app.whenReady();
  const dataDir = process.env.SHOAL_HOME || app.getPath('userData');
  const core = new ShoalCore({ dbPath: path.join(dataDir, 'shoal.db'), dataDir, transport: 'electron', version: app.getVersion(), nativeBinding: electronNativeBinding(),
    secretCipher: safeStorageCipher() ?? undefined });
  registerIpc(core, trustedUrl);
  core.start(); // the app runs the tasks of the specs it launches (and recovers what a crash left)
  void core.agentListener.startRemembered(); // remote agents join again where Settings → Workers left it

  // The UI asks for no web permission (notifications are shown from here, by the main process), so
  // every request and check is refused — whatever a page might ask for.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  const win = new BrowserWindow({
    width: 1360, height: 860, minWidth: 900, minHeight: 560, show: false, title: 'Shoal',
    backgroundColor: '#0f1115',
    // The preload (Electronegativity asks for its review) runs sandboxed and context-isolated and
    // exposes one thing to the page: invoke(method, input) / subscribe(listener) over the contract,
    // every input validated again in main (ipc-bridge.ts). No Node and no Electron object leaks.
    /* eng-disable PRELOAD_JS_CHECK */ webPreferences: { preload: path.join(here, '../preload/index.cjs'), contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: false,
      disableBlinkFeatures: 'Auxclick' }, // a middle click must not open a link in a new window
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!trustedUrl(url)) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Only https links (the docs, a run's external links) go to the OS browser; file:, smb:, custom
    // protocol handlers and the like never reach openExternal.
    if (/^https:\/\/[^/\s]+/.test(url)) void shell.openExternal(url); /* eng-disable OPEN_EXTERNAL_JS_CHECK */
    return { action: 'deny' };
  });
  streamEvents(core, win.webContents);
  core.bus.subscribe((event) => {
    if (event.type === 'notify' && Notification.isSupported() && core.settings.get().notifications) {
      const notification = new Notification({ title: event.title, body: event.body });
      // A click brings the window forward on the run, task or thread the notification is about.
      notification.on('click', () => {
        if (win.isDestroyed()) return;
        if (win.isMinimized()) win.restore();
        win.show();
        win.focus();
        const open: ServerEvent = { type: 'open', ...pick(event, 'runId', 'taskId', 'threadId') };
        win.webContents.send(IPC_EVENT_CHANNEL, open);
      });
      notification.show();
    }
  });
  win.once('ready-to-show', () => win.show());
  if (rendererUrl) await win.loadURL(rendererUrl);
  else await win.loadFile(rendererFile);

  // Running agents are stopped and recorded as interrupted (they resume on the next start), MCP
  // servers end, and the store closes cleanly before the app exits.
  app.on('window-all-closed', () => {
    void core.shutdown().finally(() => app.quit());
  });
}

start().catch((error: unknown) => {
  console.error('[shoal] failed to start:', error);
  app.exit(1);
});
