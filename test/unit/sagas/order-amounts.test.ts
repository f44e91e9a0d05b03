import { validateMessage } from '../../../src/sagas/order/contract';
import { orderAmountIssues } from '../../../src/sagas/order';
import { sampleOrderCreated } from '../support/messages';

const items = [{ quantity: 2, unitPrice: '10.00' }, { quantity: 1, unitPrice: '5.5' }];

describe('order amounts', () => {
  it('accepts a positive total that the items add up to, and split parts that add up to it', () => {
    expect(orderAmountIssues({ items, totalAmount: '25.50', paymentMethod: 'CARD' })).toEqual([]);
    expect(orderAmountIssues({ items, totalAmount: '25.5', payments: [{ paymentMethod: 'A', amount: '20.00' }, { paymentMethod: 'B', amount: '5.50' }] }, ['A', 'B'])).toEqual([]);
  });

  it('names each wrong field', () => {
    expect(orderAmountIssues({ items, totalAmount: '25.49', paymentMethod: 'CARD' })).toEqual([
      { path: ['totalAmount'], message: "must equal the sum of the items' quantity × unitPrice (25.50)" },
    ]);
    expect(orderAmountIssues({ items: [{ quantity: 1, unitPrice: '0.00' }], totalAmount: '0.00', paymentMethod: 'CARD' })).toEqual([
      { path: ['totalAmount'], message: 'must be greater than zero' },
    ]);
    expect(orderAmountIssues({ items: [{ quantity: 1, unitPrice: '-1.00' }, { quantity: 1, unitPrice: '2.00' }], totalAmount: '1.00' })).toEqual([
      { path: ['items', 0, 'unitPrice'], message: 'must not be negative' },
    ]);
    expect(orderAmountIssues({ items, totalAmount: '25.50', payments: [{ paymentMethod: 'A', amount: '25.50' }, { paymentMethod: 'X', amount: '0.00' }] }, ['A'])).toEqual([
      { path: ['payments', 1, 'amount'], message: 'must be greater than zero' },
      { path: ['payments', 1, 'paymentMethod'], message: "unknown payment method 'X' (one of A)" },
    ]);
    expect(orderAmountIssues({ items, totalAmount: '25.50', payments: [{ paymentMethod: 'A', amount: '20.00' }] })).toEqual([
      { path: ['payments'], message: 'parts must add up to the amount due 25.50 (they add up to 20.00)' },
    ]);
  });

  it('is part of the contract: an OrderCreated whose amounts do not add up is invalid, naming the field', () => {
    expect(validateMessage('OrderCreated', sampleOrderCreated).ok).toBe(true);
    expect(validateMessage('OrderCreated', { ...sampleOrderCreated, totalAmount: '1.00' })).toEqual({
      ok: false, error: "invalid OrderCreated: totalAmount: must equal the sum of the items' quantity × unitPrice (129.90)",
    });
    expect(validateMessage('OrderCreated', { ...sampleOrderCreated, paymentMethod: undefined, payments: [{ paymentMethod: 'CARD', amount: '100.00' }] })).toMatchObject({
      ok: false, error: expect.stringContaining('payments: parts must add up to the amount due 129.90'),
    });
  });
});
