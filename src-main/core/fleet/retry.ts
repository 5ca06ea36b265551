// Exponential backoff per the reference implementation's FleetRetryPolicy: initial × multiplier^(attempt−1), capped.
import type { FleetRetryPolicy } from '../../../src-shared/protocol/fleet';

export const DEFAULT_RETRY = { max_attempts: 3, initial_backoff_seconds: 5, max_backoff_seconds: 300, backoff_multiplier: 2 } as const;

export interface RetryNumbers {
  maxAttempts: number;
  initialMs: number;
  maxMs: number;
  multiplier: number;
}

/** A task without a retry_policy gets the reference implementation's defaults (3 attempts, 5 s, ×2, ≤ 300 s). */
export function retryNumbers(policy: FleetRetryPolicy | undefined): RetryNumbers {
  const p = policy ?? DEFAULT_RETRY;
  return {
    maxAttempts: Math.max(1, Number(p.max_attempts)),
    initialMs: Number(p.initial_backoff_seconds) * 1000,
    maxMs: Number(p.max_backoff_seconds) * 1000,
    multiplier: Number(p.backoff_multiplier),
  };
}

/** Delay before attempt `failedAttempt + 1`, after `failedAttempt` attempts have failed (1-based). */
export function backoffMs(r: RetryNumbers, failedAttempt: number): number {
  const exp = Math.max(0, failedAttempt - 1);
  const raw = r.initialMs * Math.pow(r.multiplier, exp);
  return Math.min(r.maxMs, Number.isFinite(raw) ? raw : r.maxMs);
}
