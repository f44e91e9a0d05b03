import type { SagaContext } from '../../../src/core/definition';

/** A UUID-shaped id from a counter, so tests can predict every eventId. */
export function testId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export const T0 = Date.parse('2025-01-01T00:00:00.000Z');

/** Deterministic clock, ids and randomness; `advance` moves time forward. */
export class TestContext implements SagaContext {
  private counter = 0;
  nowMs = T0;
  randomValue = 0;

  constructor(private readonly prefix = 0x100) {}

  get now(): Date {
    return new Date(this.nowMs);
  }

  newId(): string {
    this.counter += 1;
    return testId(this.prefix * 0x10000 + this.counter);
  }

  random(): number {
    return this.randomValue;
  }

  advance(ms: number): this {
    this.nowMs += ms;
    return this;
  }
}
