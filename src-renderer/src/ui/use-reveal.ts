import { useEffect, useRef } from 'react';

/** Scrolls the element into view whenever `key` changes to something present: an answer that appears
 *  at the foot of a long, scrolled dialog (a connection check, a host key to trust) is otherwise
 *  below the fold, and the person does not see that anything happened. */
export function useReveal<T extends HTMLElement>(key: unknown) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (key) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [key]);
  return ref;
}
