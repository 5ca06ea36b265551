// The reply being written right now: follows a thread's frames (response_start / _delta / _end,
// tool calls) as they arrive, and refetches the stored conversation whenever something was saved.
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import type { ActiveTurnView, ServerEvent } from '../../../../src-shared/contract';
import { useServerEvents } from '../../transport/query';

export interface Streaming {
  responseId: string;
  text: string;
  reasoning: string;
}

/** What the last read of the thread said about its turn; `fetchedAt` changes with every read. */
export interface StoredTurn {
  activeTurn: ActiveTurnView | null | undefined;
  busy: boolean;
  fetchedAt: number;
}

export function useThreadStream(threadId: string, stored: StoredTurn | null): Streaming | null {
  const queryClient = useQueryClient();
  const [streaming, setStreaming] = useState<Streaming | null>(null);

  // A window opened mid-reply starts from what main has so far. A read that finds no turn in
  // progress ends the stream shown here: its response_end may have been lost (the connection
  // dropped as it was sent), and the stored reply is in that read.
  const initial = stored?.activeTurn ?? null;
  const idle = stored !== null && !initial && !stored.busy;
  useEffect(() => {
    if (initial) setStreaming((s) => s ?? { responseId: initial.responseId, text: initial.text, reasoning: initial.reasoning });
    else if (idle) setStreaming(null);
  }, [initial, idle, stored?.fetchedAt]);

  const onEvent = useCallback((event: ServerEvent) => {
    if (event.type !== 'frame' || event.threadId !== threadId) return;
    const f = event.frame;
    switch (f.event) {
      case 'response_start':
        setStreaming({ responseId: f.response_id, text: '', reasoning: '' });
        void queryClient.invalidateQueries({ queryKey: ['threads'] });
        break;
      case 'response_delta':
        setStreaming((s) => {
          const base = s && s.responseId === f.response_id ? s : { responseId: f.response_id, text: '', reasoning: '' };
          return f.channel === 'text' ? { ...base, text: base.text + f.delta } : { ...base, reasoning: base.reasoning + f.delta };
        });
        break;
      case 'tool_call_start':
        // The text before the call is saved now; the next round starts a fresh reply.
        setStreaming((s) => (s ? { ...s, text: '', reasoning: '' } : s));
        void queryClient.invalidateQueries({ queryKey: ['threads'] });
        break;
      case 'tool_call_result':
        void queryClient.invalidateQueries({ queryKey: ['threads'] });
        break;
      case 'response_end':
      case 'error':
        void queryClient.invalidateQueries({ queryKey: ['threads'] }).then(() => {
          if (f.event === 'response_end') setStreaming((s) => (s?.responseId === f.response_id ? null : s));
        });
        break;
      default:
        break;
    }
  }, [threadId, queryClient]);
  useServerEvents(onEvent);
  return streaming;
}
