import { BUILT_IN_STATUSES, isFailedEnd, sagaStatuses } from '../../../src/core';
import { orderSagaDefinition } from '../../../src/sagas';
import { toyDefinition } from '../support/toy';

describe('saga statuses: the built-in ones plus what each definition declares', () => {
  it('lists the built-in statuses with the declared failure statuses before TIMED_OUT and ABORTED, each once', () => {
    expect(sagaStatuses([])).toEqual([...BUILT_IN_STATUSES]);
    expect(sagaStatuses([orderSagaDefinition({ couponPolicy: 'continue' })])).toEqual([
      'RUNNING', 'COMPENSATING', 'COMPLETED', 'COMPENSATED', 'COMPENSATION_FAILED',
      'INVENTORY_ERROR', 'COUPON_ERROR', 'PAYMENT_FAILED', 'APPROVAL_FAILED', 'TIMED_OUT', 'ABORTED',
    ]);
    expect(sagaStatuses([toyDefinition, toyDefinition])).toEqual([
      'RUNNING', 'COMPENSATING', 'COMPLETED', 'COMPENSATED', 'COMPENSATION_FAILED',
      'NO_ROOM', 'EXTRA_REFUSED', 'UNCOLLECTED', 'UNNOTIFIED', 'TIMED_OUT', 'ABORTED',
    ]);
  });

  it('counts as a failed end every terminal status but success and the ones waiting for an operator', () => {
    for (const s of ['COMPENSATED', 'TIMED_OUT', 'NO_ROOM', 'PAYMENT_FAILED']) expect(isFailedEnd(s)).toBe(true);
    for (const s of ['RUNNING', 'COMPENSATING', 'COMPLETED', 'COMPENSATION_FAILED', 'ABORTED']) expect(isFailedEnd(s)).toBe(false);
  });
});
