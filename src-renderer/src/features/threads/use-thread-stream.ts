// The reply being written right now: follows a thread's frames (response_start / _delta / _end,
// tool calls) as they arrive, and refetches the stored conversation whenever something was saved.
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ActiveTurnView, ServerEvent } from '../../../../src-shared/contract';
import { useServerEvents } from '../../transport/query';

export interface Streaming {
  responseId: string;
  text: string;
  reasoning: string;
  /** The model call of the turn this text belongs to (a tool call round starts a fresh text). */
  round: number;
}

/** What the last read of the thread said about its turn; `fetchedAt` changes with every read. */
export interface StoredTurn {
  activeTurn: ActiveTurnView | null | undefined;
  busy: boolean;
  fetchedAt: number;
}

type Channel = 'text' | 'reasoning';

/** Applies one delta at its place (`at`: the length of its round's text before it). A delta of a
 *  later round starts that round's text; one that overlaps what is shown adds only what is new.
 *  `null` means a gap: deltas were missed (the connection dropped) and the turn must be read again. */
export function placeDelta(s: Streaming | null, d: { responseId: string; channel: Channel; delta: string; round?: number; at?: number }): Streaming | null {
  const fresh = { responseId: d.responseId, text: '', reasoning: '', round: d.round ?? 0 };
  let base = s && s.responseId === d.responseId ? s : fresh;
  // Without a place (an older host) deltas are appended as they come.
  if (d.round === undefined || d.at === undefined) return { ...base, [d.channel]: base[d.channel] + d.delta };
  if (d.round < base.round) return base; // a late delta of a round already over
  if (d.round > base.round) base = { ...fresh, round: d.round };
  const have = base[d.channel];
  if (d.at > have.length) return null;
  const end = d.at + d.delta.length;
  if (end <= have.length) return base; // heard already
  return { ...base, [d.channel]: have + d.delta.slice(have.length - d.at) };
}

/** Takes up what a read of the thread says of the reply in progress when it is ahead of what the
 *  stream here has shown (deltas sent while the connection was down). */
export function adoptStored(s: Streaming | null, t: ActiveTurnView): Streaming {
  const stored = { responseId: t.responseId, text: t.text, reasoning: t.reasoning, round: t.round };
  if (!s || s.responseId !== t.responseId || t.round > s.round) return stored;
  if (t.round < s.round) return s;
  return {
    ...s,
    text: t.text.length > s.text.length ? t.text : s.text,
    reasoning: t.reasoning.length > s.reasoning.length ? t.reasoning : s.reasoning,
  };
}

export function useThreadStream(threadId: string, stored: StoredTurn | null): Streaming | null {
  const queryClient = useQueryClient();
  const [streaming, setShown] = useState<Streaming | null>(null);
  // What is shown, for the next delta to be placed against (deltas arrive faster than renders).
  const shown = useRef<Streaming | null>(null);
  const setStreaming = useCallback((next: Streaming | null | ((s: Streaming | null) => Streaming | null)) => {
    shown.current = typeof next === 'function' ? next(shown.current) : next;
    setShown(shown.current);
  }, []);

  // A window opened mid-reply starts from what main has so far, and one that missed deltas (its
  // connection dropped) takes up what main has when it reads the thread again. A read that finds no
  // turn in progress ends the stream shown here: its response_end may have been lost (the
  // connection dropped as it was sent), and the stored reply is in that read.
  const initial = stored?.activeTurn ?? null;
  const idle = stored !== null && !initial && !stored.busy;
  useEffect(() => {
    if (initial) setStreaming((s) => adoptStored(s, initial));
    else if (idle) setStreaming(null);
  }, [initial, idle, stored?.fetchedAt, setStreaming]);

  const onEvent = useCallback((event: ServerEvent) => {
    if (event.type !== 'frame' || event.threadId !== threadId) return;
    const f = event.frame;
    switch (f.event) {
      case 'response_start':
        setStreaming({ responseId: f.response_id, text: '', reasoning: '', round: 0 });
        void queryClient.invalidateQueries({ queryKey: ['threads'] });
        break;
      case 'response_delta': {
        const next = placeDelta(shown.current, { responseId: f.response_id, channel: f.channel, delta: f.delta, round: event.round, at: event.at });
        if (next) setStreaming(next);
        // Missed deltas: read the turn again (one read at a time while deltas keep coming).
        else void queryClient.invalidateQueries({ queryKey: ['threads'] }, { cancelRefetch: false });
        break;
      }
      case 'tool_call_start':
        // The text before the call is saved now; the next round starts a fresh reply.
        // (Its round number comes with the next round's first delta.)
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
  }, [threadId, queryClient, setStreaming]);
  useServerEvents(onEvent);
  return streaming;
}
