// Join tokens and agent credentials. A join token works once and expires; the agent that spends it
// gets its own long-lived credential for reconnects. Only sha256 hashes are stored: the tokens are
// 32 random bytes, so a fast hash is enough (nothing to brute-force), and a stolen database cannot
// be used to join or to impersonate an agent.
import crypto from 'node:crypto';
import type { Store } from '../store/open';
import { nowIso } from '../fleet/ids';

const JOIN_PREFIX = 'shoal_jt_';
const CREDENTIAL_PREFIX = 'shoal_ac_';

export function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

function secret(prefix: string): string {
  return prefix + crypto.randomBytes(32).toString('base64url');
}

export interface MintedToken { id: string; token: string; expiresAt: number; name: string | null; capabilities: string[] }

export interface RemoteAgentRecord {
  id: string; name: string; capabilities: string[]; ackedSeq: number; revokedAt: string | null;
}

export type JoinRefusal = { code: 'bad_token' | 'token_used' | 'token_expired' | 'revoked'; message: string };

interface TokenRow { id: string; name: string | null; capabilities: string; expires_at: number; used_at: string | null; revoked_at: string | null }
interface AgentRow { id: string; name: string; credential_hash: string; capabilities: string; acked_seq: number; revoked_at: string | null }

export class AgentCredentials {
  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db;
  }

  /** A one-time join token; the caller shows it once, only its hash stays. */
  mintJoinToken(opts: { name?: string | null; ttlMs: number; capabilities?: string[]; nowMs?: number }): MintedToken {
    const token = secret(JOIN_PREFIX);
    const now = opts.nowMs ?? Date.now();
    const id = `jt-${crypto.randomBytes(6).toString('hex')}`;
    const caps = opts.capabilities ?? [];
    this.db.prepare(`INSERT INTO agent_join_tokens (id, name, token_hash, capabilities, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(id, opts.name ?? null, hashSecret(token), JSON.stringify(caps), nowIso(now), now + opts.ttlMs);
    return { id, token, expiresAt: now + opts.ttlMs, name: opts.name ?? null, capabilities: caps };
  }

  /** Spends a join token and creates the agent with a fresh credential, in one transaction: two
   *  agents racing with the same token cannot both join. */
  join(token: string, agent: { name: string; capabilities: string[]; version: string; hostname: string; address: string | null }, nowMs = Date.now()):
    { ok: true; agentId: string; credential: string; name: string; capabilities: string[] } | { ok: false; refusal: JoinRefusal } {
    return this.db.transaction(() => {
      const row = this.db.prepare<[string], TokenRow>(`SELECT id, name, capabilities, expires_at, used_at, revoked_at FROM agent_join_tokens WHERE token_hash = ?`).get(hashSecret(token));
      if (!row) return { ok: false as const, refusal: { code: 'bad_token' as const, message: 'join token not recognised (mistyped, or minted for another control plane)' } };
      if (row.revoked_at) return { ok: false as const, refusal: { code: 'revoked' as const, message: `join token ${row.id} was revoked at ${row.revoked_at}` } };
      if (row.used_at) return { ok: false as const, refusal: { code: 'token_used' as const, message: `join token ${row.id} was already used at ${row.used_at}; mint a new one with \`shoal agent-token\`` } };
      if (row.expires_at <= nowMs) return { ok: false as const, refusal: { code: 'token_expired' as const, message: `join token ${row.id} expired at ${nowIso(row.expires_at)}; mint a new one with \`shoal agent-token\`` } };
      const agentId = `agent-${crypto.randomBytes(5).toString('hex')}`;
      const credential = secret(CREDENTIAL_PREFIX);
      const name = row.name ?? agent.name;
      const capabilities = [...new Set([...agent.capabilities, ...(JSON.parse(row.capabilities) as string[])])];
      const now = nowIso(nowMs);
      this.db.prepare(`UPDATE agent_join_tokens SET used_at = ?, agent_id = ? WHERE id = ?`).run(now, agentId, row.id);
      this.db.prepare(`INSERT INTO remote_agents (id, name, credential_hash, capabilities, version, hostname, address, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(agentId, name, hashSecret(credential), JSON.stringify(capabilities), agent.version, agent.hostname, agent.address, now, now);
      return { ok: true as const, agentId, credential, name, capabilities };
    }).immediate();
  }

  /** Checks a reconnecting agent's credential (constant-time on the hashes). */
  authenticate(agentId: string, credential: string): { ok: true; agent: RemoteAgentRecord } | { ok: false; refusal: JoinRefusal } {
    const row = this.db.prepare<[string], AgentRow>(`SELECT id, name, credential_hash, capabilities, acked_seq, revoked_at FROM remote_agents WHERE id = ?`).get(agentId);
    const given = Buffer.from(hashSecret(credential), 'hex');
    if (!row || !crypto.timingSafeEqual(given, Buffer.from(row.credential_hash, 'hex'))) {
      return { ok: false, refusal: { code: 'bad_token', message: `credential for agent ${agentId} not recognised; join again with a new token` } };
    }
    if (row.revoked_at) return { ok: false, refusal: { code: 'revoked', message: `agent ${agentId} was revoked at ${row.revoked_at}; join again with a new token` } };
    return { ok: true, agent: this.record(row) };
  }

  agent(agentId: string): RemoteAgentRecord | null {
    const row = this.db.prepare<[string], AgentRow>(`SELECT id, name, credential_hash, capabilities, acked_seq, revoked_at FROM remote_agents WHERE id = ?`).get(agentId);
    return row ? this.record(row) : null;
  }

  /** Join tokens that could still be spent: not used, not revoked, not expired. */
  pendingTokens(nowMs = Date.now()): Array<{ id: string; name: string | null; capabilities: string[]; createdAt: string; expiresAt: number }> {
    return this.db.prepare<[number], { id: string; name: string | null; capabilities: string; created_at: string; expires_at: number }>(
      `SELECT id, name, capabilities, created_at, expires_at FROM agent_join_tokens WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at`,
    ).all(nowMs).map((r) => ({ id: r.id, name: r.name, capabilities: JSON.parse(r.capabilities) as string[], createdAt: r.created_at, expiresAt: r.expires_at }));
  }

  /** Revokes a join token (id) or an agent's credential (agent id). A revoked agent can never report
   *  again, so its leases lapse now: the reaper reclaims its tasks for retry at once, instead of
   *  holding them for the whole lease (ten minutes by default) on an agent that is turned away. */
  revoke(id: string, nowMs = Date.now()): boolean {
    const now = nowIso(nowMs);
    return this.db.transaction(() => {
      const t = this.db.prepare(`UPDATE agent_join_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`).run(now, id);
      const a = this.db.prepare(`UPDATE remote_agents SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`).run(now, id);
      if (a.changes > 0) this.db.prepare(`UPDATE tasks SET lease_deadline = ? WHERE worker_id = ? AND lease_token IS NOT NULL AND lease_deadline > ?`).run(nowMs, id, nowMs);
      return t.changes + a.changes > 0;
    }).immediate();
  }

  private record(row: AgentRow): RemoteAgentRecord {
    return { id: row.id, name: row.name, capabilities: JSON.parse(row.capabilities) as string[], ackedSeq: row.acked_seq, revokedAt: row.revoked_at };
  }
}

/** The longest a join token may work: it is meant to be spent soon (the Workers view and
 *  `shoal agent-token` both refuse longer). */
export const MAX_JOIN_TOKEN_TTL_MS = 30 * 86_400_000;

/** `15m`, `2h`, `1d`, `90s` or plain seconds. */
export function parseTtl(text: string): number {
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration (examples: 90s, 15m, 2h, 1d)`);
  const n = Number(m[1]);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  if (n <= 0) throw new Error(`"${text}": a duration must be positive`);
  return n * unit;
}
