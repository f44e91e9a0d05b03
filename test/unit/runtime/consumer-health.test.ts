import { ConsumerHealth } from '../../../src/runtime/consumer-health';

describe('consumer health per topic-partition', () => {
  const clock = () => new Date('2026-12-01T08:00:00.000Z');

  it('is ready until a partition failed three times in a row, then names it', () => {
    const health = new ConsumerHealth(3, clock);
    expect(health.report()).toEqual({ ready: true, failing: [] });
    health.failed('order-created-events', 2, new Error('connection refused'));
    health.failed('order-created-events', 2, new Error('connection refused'));
    health.failed('payment-processed-events', 0, new Error('other'));
    expect(health.report().ready).toBe(true);
    health.failed('order-created-events', 2, new Error('still \u0000 down'));
    expect(health.report()).toEqual({
      ready: false,
      failing: [{
        topic: 'order-created-events', partition: 2, failures: 3, error: 'still \\u0000 down',
        since: '2026-12-01T08:00:00.000Z', lastFailedAt: '2026-12-01T08:00:00.000Z',
      }],
    });
  });

  it('a success of that partition clears it; another partition\'s success does not', () => {
    const health = new ConsumerHealth(1, clock);
    health.failed('t', 1, new Error('x'));
    health.succeeded('t', 0);
    expect(health.report().ready).toBe(false);
    health.succeeded('t', 1);
    expect(health.report()).toEqual({ ready: true, failing: [] });
  });

  it('forgets a partition that stopped failing here (moved to another member in a rebalance)', () => {
    let now = Date.parse('2026-12-01T08:00:00.000Z');
    const health = new ConsumerHealth(1, () => new Date(now), 120_000);
    health.failed('t', 1, new Error('x'));
    now += 119_000;
    expect(health.report().ready).toBe(false);
    health.failed('t', 1, new Error('x'));
    now += 119_000;
    expect(health.report().failing).toMatchObject([{ failures: 2 }]);
    now += 2_000;
    expect(health.report()).toEqual({ ready: true, failing: [] });
  });

  it('keeps only the failures of partitions this member still holds after a rebalance', () => {
    const health = new ConsumerHealth(1);
    health.failed('t', 0, new Error('x'));
    health.failed('t', 1, new Error('x'));
    health.retain([{ topic: 't', partition: 1 }, { topic: 'u', partition: 0 }]);
    expect(health.report().failing).toMatchObject([{ topic: 't', partition: 1 }]);
    health.retain([]);
    expect(health.report()).toEqual({ ready: true, failing: [] });
  });
});
