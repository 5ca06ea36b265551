// Row actions on a list read from the host (remove a channel, drain a worker, revoke a token). A
// double click sends its second click either while the first action runs, or after the list was read
// again but before it was drawn again, on a button of the old list: the same action twice (reported
// as a failure), or, where rows are addressed by position, the action on the row that moved into
// that place. So one action runs at a time, a click from a list drawn before the last action is
// ignored, and the list is read again after each action.
import { useRef } from 'react';

interface ListQuery {
  refetch(): Promise<unknown>;
  /** When the data shown was read (react-query's dataUpdatedAt). */
  dataUpdatedAt: number;
}

/** `act(call, done, failed)`: runs `call` unless another runs or this render's list is older than the
 *  last action; then `done` (or `failed` with the error), and the list is read again. */
export function useListAction(list: ListQuery): (call: () => Promise<unknown>, done: () => void, failed: (e: Error) => void) => void {
  const running = useRef(false);
  const actedAt = useRef(0);
  // Captured by this render's handlers: a button drawn from an older list keeps the older time.
  const shownAt = list.dataUpdatedAt;
  return (call, done, failed) => {
    if (running.current || shownAt <= actedAt.current) return;
    running.current = true;
    call().then(() => {
      actedAt.current = Date.now();
      done();
      return list.refetch();
    }, failed).finally(() => { running.current = false; });
  };
}
