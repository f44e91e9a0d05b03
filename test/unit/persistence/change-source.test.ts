import { Subscribers } from '../../../src/persistence/change-source';
import { reconnectDelay } from '../../../src/persistence/pg-channel';

describe('Subscribers', () => {
  it('keeps serving everyone when one subscriber throws', () => {
    const errors: unknown[] = [];
    const subscribers = new Subscribers<number>((e) => errors.push(e));
    const got: number[] = [];
    subscribers.add(() => { throw new Error('full'); });
    subscribers.add((n) => got.push(n));
    subscribers.add({ change: (n) => got.push(n * 10), resync: () => got.push(-1) });
    expect(() => { subscribers.change(1); subscribers.resync(); }).not.toThrow();
    expect(got).toEqual([1, 10, -1]);
    expect(errors).toHaveLength(1);
  });

  it('unsubscribes exactly the subscription it returned', () => {
    const subscribers = new Subscribers<number>(() => undefined);
    const got: number[] = [];
    const listener = (n: number) => got.push(n);
    const first = subscribers.add(listener);
    subscribers.add(listener);
    first();
    subscribers.change(7);
    expect(got).toEqual([7]);
  });
});

describe('reconnectDelay', () => {
  it('doubles from the first delay and stays at the cap for ever', () => {
    const policy = { initialMs: 100, maxMs: 5000 };
    expect([1, 2, 3, 4, 5, 6, 7, 100, 10000].map((a) => reconnectDelay(a, policy))).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });
});
