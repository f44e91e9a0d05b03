import { couponDiscount, parseScenario, scenarioCustomerId } from '../../../src/participants';

describe('scenario tokens', () => {
  it('round-trips tokens through the customerId', () => {
    const id = scenarioCustomerId('reject-coupon', 'fail-payment-part:GIFT_CARD', 'late:ProcessPayment', 'silent:ConfirmInventory', 'duplicate-replies');
    expect(id).toBe('sim:reject-coupon,fail-payment-part:GIFT_CARD,late:ProcessPayment,silent:ConfirmInventory,duplicate-replies');
    const s = parseScenario(id);
    expect(s.rejectCoupon).toBe(true);
    expect(s.failPayment).toBe(false);
    expect([...s.failPaymentMethods]).toEqual(['GIFT_CARD']);
    expect([...s.late]).toEqual(['ProcessPayment']);
    expect([...s.silent]).toEqual(['ConfirmInventory']);
    expect(s.duplicateReplies).toBe(true);
    expect(s.unknownTokens).toEqual([]);
  });

  it('treats fail-release as a silent ReleaseInventory and reports unknown tokens', () => {
    expect([...parseScenario('sim:fail-release').silent]).toEqual(['ReleaseInventory']);
    expect(parseScenario('sim:fail-reservation,bogus,late:').unknownTokens).toEqual(['bogus', 'late:']);
    expect(parseScenario('customer-42')).toMatchObject({ failReservation: false, tokens: [] });
    expect(parseScenario('sim:fail-confirmation').failConfirmation).toBe(true);
    expect(() => scenarioCustomerId('a,b')).toThrow();
  });

  it('gives a 10 % discount rounded half up to cents', () => {
    expect(couponDiscount('89.80')).toBe('8.98');
    expect(couponDiscount('129.95')).toBe('13.00');
    expect(couponDiscount('0.05')).toBe('0.01');
    expect(couponDiscount('0.04')).toBe('0.00');
    expect(couponDiscount('10.0449')).toBe('1.00');
  });
});
