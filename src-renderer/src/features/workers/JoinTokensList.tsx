// Join tokens minted but not yet spent: who they are for, when they expire, and Revoke. The tokens
// themselves are never listed (main keeps only their hashes).
import { useShoalMutation, useShoalQuery } from '../../transport/query';
import { formatAbsolute, formatRelative } from '../../ui/format';
import { useToast } from '../../ui/Toaster';
import { useListAction } from '../../ui/use-list-action';
import { useNow } from '../../ui/use-now';

export function JoinTokensList() {
  const tokens = useShoalQuery('workers.joinTokens', {});
  const revoke = useShoalMutation('workers.revoke');
  const toast = useToast();
  const now = useNow(1000);
  // A double click revokes once (useListAction), not twice with the second reported as a failure.
  const { act, busy } = useListAction(tokens);
  const revokeToken = (id: string) => act(() => revoke.mutateAsync({ id }), () => toast(`Join token ${id} revoked.`), (e) => toast(e.message, 'failed'));
  // An expired token is no longer pending, even before the next refetch.
  const live = (tokens.data ?? []).filter((t) => Date.parse(t.expiresAt) > now);
  if (live.length === 0) return null;
  return (
    <section className="join-tokens panel" aria-labelledby="join-tokens-title" data-testid="join-tokens">
      <h2 id="join-tokens-title" className="panel-title">Join tokens waiting for an agent</h2>
      <ul>
        {live.map((t) => (
          <li key={t.id} data-testid="join-token" data-token-id={t.id}>
            <span className="mono">{t.id}</span>
            <span>{t.name ?? <span className="muted">any name</span>}</span>
            <span className="muted">{t.capabilities.length > 0 ? t.capabilities.join(', ') : 'no extra capabilities'}</span>
            <span className="muted" title={formatAbsolute(t.expiresAt)}>expires {formatRelative(t.expiresAt, now)}</span>
            <button type="button" className="button button-small button-danger" disabled={revoke.isPending || busy} aria-label={`Revoke join token ${t.id}`}
              onClick={() => revokeToken(t.id)}>Revoke</button>
          </li>
        ))}
      </ul>
    </section>
  );
}
