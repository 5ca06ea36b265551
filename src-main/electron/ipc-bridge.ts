// The only place ipcMain is used. Every contract method becomes one `shoal:<method>` handler that
// checks the sender is our own top-level page before the core validates the input.
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_PREFIX, METHOD_NAMES } from '../../src-shared/contract';
import type { ShoalCore } from '../core/shoal';

export function isTrustedSender(event: IpcMainInvokeEvent, trustedUrl: (url: string) => boolean): boolean {
  const frame = event.senderFrame;
  // Only the main frame of our window, never an iframe or a navigated-away page.
  return frame !== null && frame === event.sender.mainFrame && trustedUrl(frame.url);
}

export function registerIpc(core: ShoalCore, trustedUrl: (url: string) => boolean): () => void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(IPC_PREFIX + method, (event, input: unknown) => {
      if (!isTrustedSender(event, trustedUrl)) {
        return { ok: false, error: { code: 'unauthorized', message: 'This page may not call Shoal.' } };
      }
      return core.call(method, input, { transport: 'electron' });
    });
  }
  return () => {
    for (const method of METHOD_NAMES) ipcMain.removeHandler(IPC_PREFIX + method);
  };
}

/** Pushes the core's event stream to a window until it closes. */
export function streamEvents(core: ShoalCore, contents: WebContents): void {
  const unsubscribe = core.bus.subscribe((event) => {
    if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, event);
  });
  contents.once('destroyed', unsubscribe);
}
