import {
  canonicalJson, definitionFingerprint, fingerprintInput, fingerprintsOf, type SagaDefinition, type StepDefinition,
} from '../../../src/core';
import { orderSagaDefinition } from '../../../src/sagas';
import { toyDefinition, type ToyData } from '../support/toy';

/** The toy definition with one step changed. */
function withStep(index: number, change: Partial<StepDefinition<ToyData>>): SagaDefinition<ToyData> {
  return { ...toyDefinition, steps: toyDefinition.steps.map((s, i) => (i === index ? { ...s, ...change } : s)) };
}

/** The same object with its keys in reverse order, at every depth. */
function reversedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reversedKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)])) as T;
}

describe('canonical JSON', () => {
  it('sorts keys at every depth and keeps the order of arrays', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: null } })).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
  });

  it('refuses what is not JSON data instead of dropping it', () => {
    expect(() => canonicalJson({ f: () => 1 })).toThrow('$.f: a function is not JSON data');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow('$.n: NaN is not JSON data');
    expect(() => canonicalJson({ d: new Date(0) })).toThrow('$.d: a class instance is not JSON data');
  });
});

describe('definition fingerprints', () => {
  const base = definitionFingerprint(toyDefinition);

  it('is a sha256, the same on every call and for copies of the definition', () => {
    expect(base).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(definitionFingerprint(toyDefinition)).toBe(base);
    expect(definitionFingerprint({ ...toyDefinition, steps: toyDefinition.steps.map((s) => ({ ...s })) })).toBe(base);
  });

  it('does not depend on the order keys are written in', () => {
    const reordered: SagaDefinition<ToyData> = {
      ...reversedKeys({ ...toyDefinition, steps: [] }),
      steps: toyDefinition.steps.map((s) => ({
        ...reversedKeys({ ...s, replies: {}, compensation: undefined }),
        replies: reversedKeys(s.replies),
        compensation: s.compensation && { ...reversedKeys(s.compensation), replies: reversedKeys(s.compensation.replies) },
        retry: reversedKeys(s.retry),
      })),
      failureStatuses: [...toyDefinition.failureStatuses].reverse(),
    };
    expect(definitionFingerprint(reordered)).toBe(base);
    expect(definitionFingerprint({ ...toyDefinition, settings: { b: 2, a: { y: 1, x: 2 } } }))
      .toBe(definitionFingerprint({ ...toyDefinition, settings: { a: { x: 2, y: 1 }, b: 2 } }));
  });

  it('is the same for the order saga built twice from the same options', () => {
    const options = { couponPolicy: 'fail' as const, timeoutsMs: { processPayment: 5_000 }, retry: { maxAttempts: 4 } };
    expect(definitionFingerprint(orderSagaDefinition(options))).toBe(definitionFingerprint(orderSagaDefinition({ ...options })));
  });

  it.each<[string, SagaDefinition<ToyData>]>([
    ['the version', { ...toyDefinition, version: 4 }],
    ['the name', { ...toyDefinition, name: 'toy2' }],
    ['the failure statuses', { ...toyDefinition, failureStatuses: toyDefinition.failureStatuses.slice(1) }],
    ['the order of steps', { ...toyDefinition, steps: [toyDefinition.steps[1], toyDefinition.steps[0], ...toyDefinition.steps.slice(2)] }],
    ['a step removed', { ...toyDefinition, steps: toyDefinition.steps.slice(0, -1) }],
    ['a timeout', withStep(0, { timeoutMs: 2_000 })],
    ['a retry policy', withStep(2, { retry: { ...toyDefinition.steps[2].retry, maxAttempts: 5 } })],
    ['a failure status', withStep(0, { failureStatus: 'PAYMENT_FAILED' })],
    ['whether a step may be skipped', withStep(0, { skippable: true })],
    ['a skip\'s output schema', withStep(1, { outputSchema: { type: 'object', properties: {} } })],
    ['a step becoming optional', withStep(0, { when: () => true })],
    ['the replies a step understands', withStep(0, { replies: { Booked: toyDefinition.steps[0].replies.Booked } })],
    ['a compensation removed', withStep(0, { compensation: undefined })],
    ['a compensation\'s timeout', withStep(0, { compensation: { ...toyDefinition.steps[0].compensation!, timeoutMs: 9_000 } })],
    ['a setting', { ...toyDefinition, settings: { mode: 'strict' } }],
  ])('changes with %s', (_what, changed) => {
    expect(definitionFingerprint(changed)).not.toBe(base);
  });

  it('changes with the order saga\'s coupon policy, timeouts and retry', () => {
    const order = definitionFingerprint(orderSagaDefinition({ couponPolicy: 'continue' }));
    expect(definitionFingerprint(orderSagaDefinition({ couponPolicy: 'fail' }))).not.toBe(order);
    expect(definitionFingerprint(orderSagaDefinition({ couponPolicy: 'continue', timeoutsMs: { applyCoupon: 1_000 } }))).not.toBe(order);
    expect(definitionFingerprint(orderSagaDefinition({ couponPolicy: 'continue', retry: { maxBackoffMs: 1_000 } }))).not.toBe(order);
    expect(definitionFingerprint(orderSagaDefinition({ couponPolicy: 'continue', version: 2 }))).not.toBe(order);
  });

  it('ignores what does not change how a saga runs: descriptions, participants, roles, personal fields, function bodies', () => {
    expect(definitionFingerprint(withStep(0, { description: 'reserve a room', participant: 'Rooms' }))).toBe(base);
    expect(definitionFingerprint(withStep(0, { operatorRoles: { forward: ['support'] } }))).toBe(base);
    expect(definitionFingerprint({ ...toyDefinition, personalFields: ['guestName'] })).toBe(base);
    expect(definitionFingerprint(withStep(0, { invoke: () => [] }))).toBe(base);
  });

  it('hashes the data fingerprintInput shows', () => {
    const input = fingerprintInput(toyDefinition);
    expect(input).toMatchObject({ name: 'toy', version: 3, settings: {} });
    expect((input.steps as { name: string }[]).map((s) => s.name)).toEqual(toyDefinition.steps.map((s) => s.name));
    expect(fingerprintsOf([toyDefinition]).get('toy@3')).toBe(base);
  });
});
