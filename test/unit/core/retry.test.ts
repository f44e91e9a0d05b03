import { backoffMs, canRetry, type RetryPolicy } from '../../../src/core';

const policy: RetryPolicy = { maxAttempts: 5, initialBackoffMs: 1_000, maxBackoffMs: 5_000, multiplier: 3, jitter: 0.5 };

describe('retry back-off', () => {
  it('grows exponentially from the first retry and is capped', () => {
    expect([2, 3, 4, 5].map((attempt) => backoffMs(policy, attempt, 0))).toEqual([1_000, 3_000, 5_000, 5_000]);
  });

  it('shortens the delay by up to `jitter`', () => {
    expect(backoffMs(policy, 3, 1)).toBe(1_500);
    expect(backoffMs(policy, 3, 0.5)).toBe(2_250);
  });

  it('allows attempts up to maxAttempts', () => {
    expect(canRetry(policy, 4)).toBe(true);
    expect(canRetry(policy, 5)).toBe(false);
  });
});
