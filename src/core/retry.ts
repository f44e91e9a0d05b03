import type { RetryPolicy } from './definition';

/**
 * Delay before attempt `nextAttempt` (2 = first retry): exponential, capped, then shortened by
 * up to `jitter` at random so many sagas timing out together do not retry in lock step.
 */
export function backoffMs(policy: RetryPolicy, nextAttempt: number, random: number): number {
  const exponent = Math.max(0, nextAttempt - 2);
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** exponent);
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(base * (1 - jitter * random));
}

export function canRetry(policy: RetryPolicy, attempts: number): boolean {
  return attempts < policy.maxAttempts;
}
