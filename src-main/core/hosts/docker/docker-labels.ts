// The labels on every container Shoal creates, so it can find them again on the daemon whatever
// became of the request that made them: an attempt's name its run, task and attempt; a probe's
// throwaway container says until when its probe may use it (its deadline), after which it is only
// a leftover, whichever Shoal made it. An attempt's also names its store (store-identity.ts): a
// Shoal that crashed, or lost the daemon, before it stored the container's id finds it by that
// label, and never mistakes another Shoal's container on a shared daemon for its own.
export const LABEL = {
  run: 'shoal.run',
  task: 'shoal.task',
  attempt: 'shoal.attempt',
  /** An attempt container's: the id of the store whose attempt it is. */
  store: 'shoal.store',
  /** 'attempt' or 'probe'. */
  kind: 'shoal.kind',
  /** A probe container's: its probe's deadline, in ms since the epoch. */
  probeUntil: 'shoal.probe.until',
} as const;

export type ContainerKind = 'attempt' | 'probe';

/** Which attempt a container was made for: what its labels say, and what a lookup matches them by. */
export interface AttemptLabelled { runId: string; taskId: string; attempt: number; storeId: string | null }

/** An attempt container's labels. A store's id is left out when the attempt has none (no store
 *  sweeps for it, e.g. a benchmark's). */
export function attemptLabels(a: AttemptLabelled): Record<string, string> {
  return {
    [LABEL.kind]: 'attempt' satisfies ContainerKind, [LABEL.run]: a.runId, [LABEL.task]: a.taskId, [LABEL.attempt]: String(a.attempt),
    ...(a.storeId ? { [LABEL.store]: a.storeId } : {}),
  };
}
