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

  it('forgets a failing partition the group has consumed past the failed batch since, and keeps one it has not', async () => {
    const health = new ConsumerHealth(1);
    health.failed('t', 0, new Error('x'), '40');
    health.failed('t', 1, new Error('x'), '7');
    health.failed('u', 0, new Error('x'), '3');
    const asked: string[][] = [];
    await health.forgetConsumedPast(async (topics) => {
      asked.push(topics);
      return new Map([['t/0', 41n], ['t/1', 7n]]);
    });
    expect(asked).toEqual([['t', 'u']]);
    // t/0 moved past offset 40; t/1 is still at the failed batch; u/0 has no committed offset.
    expect(health.report().failing.map((p) => `${p.topic}/${p.partition}`)).toEqual(['t/1', 'u/0']);
  });

  it('keeps every failing partition when the committed offsets cannot be read, and asks nothing when none fails', async () => {
    const health = new ConsumerHealth(2);
    let asked = 0;
    const committed = async () => { asked += 1; throw new Error('broker down'); };
    health.failed('t', 0, new Error('x'), '5');
    await health.forgetConsumedPast(committed);
    expect(asked).toBe(0);
    health.failed('t', 0, new Error('x'), '5');
    await health.forgetConsumedPast(committed);
    expect(asked).toBe(1);
    expect(health.report().ready).toBe(false);
  });
});
