// An artifact's text through artifacts.read: the first chunk, then more on request.
import { useCallback, useEffect, useState } from 'react';
import type { ArtifactRef, ArtifactText } from '../../../../../src-shared/contract';
import { useClient } from '../../../transport/query';

const CHUNK = 2_000_000;

export interface ArtifactTextState {
  text: string | null;
  size: number;
  eof: boolean;
  error: Error | null;
  loadMore: () => void;
  loading: boolean;
}

export function useArtifactText(runId: string, taskId: string, attempt: number, artifact: ArtifactRef): ArtifactTextState {
  const client = useClient();
  const [state, setState] = useState<{ text: string | null; next: number; size: number; eof: boolean; error: Error | null; loading: boolean }>(
    { text: null, next: 0, size: artifact.sizeBytes ?? 0, eof: false, error: null, loading: true });

  const read = useCallback(async (offset: number) => {
    setState((s) => ({ ...s, loading: true }));
    try {
      const r: ArtifactText = await client.call('artifacts.read', { runId, taskId, attempt, path: artifact.path, offset, limit: CHUNK });
      setState((s) => ({ text: (offset === 0 ? '' : s.text ?? '') + r.text, next: r.nextOffset, size: r.size, eof: r.eof, error: null, loading: false }));
    } catch (e) {
      setState((s) => ({ ...s, error: e as Error, loading: false }));
    }
  }, [client, runId, taskId, attempt, artifact.path]);

  useEffect(() => {
    setState({ text: null, next: 0, size: artifact.sizeBytes ?? 0, eof: false, error: null, loading: true });
    void read(0);
  }, [read, artifact.sizeBytes]);

  return { text: state.text, size: state.size, eof: state.eof, error: state.error, loading: state.loading, loadMore: () => void read(state.next) };
}
