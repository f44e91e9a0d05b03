import { personalDataPolicy } from '../../../src/core/personal-data';

describe('personal data policy', () => {
  const policy = personalDataPolicy(['customerId', 'loyalty_card']);

  it('masks declared keys and the default personal keys, without case or separators, at any depth', () => {
    const data = {
      customerId: 'c-1',
      CUSTOMER_ID: 'c-2',
      loyaltyCard: 'L-9',
      contact: { customerEmail: 'a@b.c', 'phone-number': '+49 1', firstName: 'Jane', LastName: 'Roe', name: 'Jane Roe', customerName: 'J' },
      shippingAddress: { street: 'x', city: 'y' },
      people: [{ eMail: 'x@y.z', mobile: '1' }, { dateOfBirth: '2000-01-01', iban: 'DE00' }],
    };
    expect(policy.mask(data)).toEqual({
      customerId: '***',
      CUSTOMER_ID: '***',
      loyaltyCard: '***',
      contact: { customerEmail: '***', 'phone-number': '***', firstName: '***', LastName: '***', name: '***', customerName: '***' },
      // A personal key masks its whole value, whatever it holds.
      shippingAddress: '***',
      people: [{ eMail: '***', mobile: '***' }, { dateOfBirth: '***', iban: '***' }],
    });
  });

  it('masks free text as a whole and keeps the facts an analyst needs', () => {
    const detail = {
      reason: 'Jane called from +49 170 1', warnings: ['coupon rejected for Jane'], status: 'PAYMENT_FAILED', step: 'processPayment',
      stepName: 'processPayment', definition: 'order', totalAmount: '20.00', items: [{ sku: 'SKU-1', quantity: 2 }], why: 'duplicate',
      attempts: 3, error: { message: 'x', code: 'E1' },
    };
    expect(policy.mask(detail)).toEqual({
      reason: '***', warnings: ['***'], status: 'PAYMENT_FAILED', step: 'processPayment', stepName: 'processPayment', definition: 'order',
      totalAmount: '20.00', items: [{ sku: 'SKU-1', quantity: 2 }], why: 'duplicate', attempts: 3, error: { message: '***', code: 'E1' },
    });
  });

  it('keeps null and absent values (being empty is no secret) and leaves its input unchanged', () => {
    const data = { customerId: null, email: undefined, phone: 'p' };
    expect(policy.mask(data)).toEqual({ customerId: null, email: undefined, phone: '***' });
    expect(data.phone).toBe('p');
  });

  it('without declarations, masks only the default keys', () => {
    const plain = personalDataPolicy();
    expect(plain.mask({ customerId: 'c-1', email: 'e' })).toEqual({ customerId: 'c-1', email: '***' });
    expect(plain.isPersonalKey('orderId')).toBe(false);
    expect(plain.isFreeTextKey('lastErrorText')).toBe(true);
  });
});
