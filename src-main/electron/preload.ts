// Runs sandboxed in the renderer's isolated world. It exposes exactly one function per contract
// method and an event subscription, nothing else: no ipcRenderer, no Node.
import { contextBridge, ipcRenderer } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_PREFIX, METHOD_NAMES } from '../../src-shared/contract';

const methods: Record<string, (input: unknown) => Promise<unknown>> = {};
for (const name of METHOD_NAMES) methods[name] = (input: unknown) => ipcRenderer.invoke(IPC_PREFIX + name, input);

contextBridge.exposeInMainWorld('shoal', {
  transport: 'electron',
  methods,
  onEvent(listener: (event: unknown) => void): () => void {
    const wrapped = (_: unknown, event: unknown) => listener(event);
    ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, wrapped);
  },
});
