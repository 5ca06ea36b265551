// The labels on every container Shoal creates, so it can find them again on the daemon whatever
// became of the request that made them: an attempt's name its run, task and attempt; a probe's
// throwaway container says until when its probe may use it (its deadline), after which it is only
// a leftover, whichever Shoal made it.
export const LABEL = {
  run: 'shoal.run',
  task: 'shoal.task',
  attempt: 'shoal.attempt',
  /** 'attempt' or 'probe'. */
  kind: 'shoal.kind',
  /** A probe container's: its probe's deadline, in ms since the epoch. */
  probeUntil: 'shoal.probe.until',
} as const;

export type ContainerKind = 'attempt' | 'probe';
