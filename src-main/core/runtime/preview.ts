// Thread previews: at most 120 characters (not bytes), and for a thread spawned with
// history, the first history item as JSON text.
export const PREVIEW_CHARS = 120;

export type InitialHistory =
  | { kind: 'new' }
  | { kind: 'forked'; items: unknown[] }
  | { kind: 'resumed'; conversationId: string; history: unknown[] };

export function truncatePreview(value: string): string {
  return Array.from(value).slice(0, PREVIEW_CHARS).join('');
}

export function previewFromInitialHistory(history: InitialHistory): string {
  switch (history.kind) {
    case 'new': return 'New conversation';
    case 'forked': return history.items.length > 0 ? truncatePreview(JSON.stringify(history.items[0])) : 'Forked conversation';
    case 'resumed': return history.history.length > 0 ? truncatePreview(JSON.stringify(history.history[0])) : 'Resumed conversation';
  }
}
