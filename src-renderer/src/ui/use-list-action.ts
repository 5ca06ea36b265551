// Row actions on a list read from the host (remove a channel, drain a worker, revoke a token). A
// double click sends its second click either while the first action runs, or after the list was read
// again but before it was drawn again, on a button of the old list: the same action twice (reported
// as a failure), or, where rows are addressed by position, the action on the row that moved into
// that place. So one action runs at a time and the list is read again after each; until that read is
// drawn the buttons are disabled (`busy`), so a click in between is refused where it can be seen
// rather than dropped unseen, and the refs below refuse the second click of a double click, which
// comes before React has drawn the disabled buttons.
import { useRef, useState } from 'react';

interface ListQuery {
  refetch(): Promise<{ dataUpdatedAt: number }>;
  /** When the data shown was read (react-query's dataUpdatedAt). */
  dataUpdatedAt: number;
}

export interface ListAction {
  /** Runs `call` unless an action runs or this render's list predates the read after the last one;
   *  then `done` (or `failed` with the error), and the list is read again. */
  act(call: () => Promise<unknown>, done: () => void, failed: (e: Error) => void): void;
  /** An action runs, or the list drawn is older than the read that followed it: disable the buttons. */
  busy: boolean;
}

export function useListAction(list: ListQuery): ListAction {
  const running = useRef(false);
  // The dataUpdatedAt of the read made after the last action: a list drawn from an older read still
  // shows what was there before it. A value read back from the cache, not a clock, so a read that
  // answers within the same millisecond as the action cannot pass for a fresh one or an old one.
  const freshFrom = useRef(0);
  const [acting, setActing] = useState(false); // running, as state: the buttons are drawn from it
  // Captured by this render's handlers: a button drawn from an older list keeps the older time.
  const shownAt = list.dataUpdatedAt;
  const stale = shownAt < freshFrom.current;
  const act: ListAction['act'] = (call, done, failed) => {
    if (running.current || stale) return;
    running.current = true;
    setActing(true);
    call().then(async () => {
      done();
      // Chained through any read that replaces it (a live invalidation cancels and restarts one),
      // so this is the first read that began after the action; a failed read leaves the old time.
      freshFrom.current = (await list.refetch()).dataUpdatedAt;
    }, failed).finally(() => {
      running.current = false;
      setActing(false);
    });
  };
  return { act, busy: acting || stale };
}
