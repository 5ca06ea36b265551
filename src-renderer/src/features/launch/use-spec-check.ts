// Validates a draft as the person edits it: specs.validate (which writes nothing) a moment after
// the last keystroke, keeping the previous answer on screen meanwhile so the preview does not flicker.
import { keepPreviousData } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useShoalQuery } from '../../transport/query';
import type { Draft } from './drafts';

const SETTLE_MS = 250;

export function useSpecCheck(draft: Draft) {
  const [input, setInput] = useState({ text: draft.text, filename: draft.filename, workspace: draft.workspace });
  useEffect(() => {
    const next = { text: draft.text, filename: draft.filename, workspace: draft.workspace };
    const id = window.setTimeout(() => setInput(next), SETTLE_MS);
    return () => window.clearTimeout(id);
  }, [draft.text, draft.filename, draft.workspace]);
  const query = useShoalQuery('specs.validate', input, { placeholderData: keepPreviousData, staleTime: Infinity });
  const settled = input.text === draft.text && input.filename === draft.filename && input.workspace === draft.workspace;
  return { check: query.data, error: query.error, checking: !settled || query.isFetching, input };
}
