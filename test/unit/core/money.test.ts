import { add, compare, format2, fromUnits, InvalidAmountError, isAmount, subtract, sum, toUnits } from '../../../src/core/money';

describe('money', () => {
  it('parses decimal strings into exact units', () => {
    expect(toUnits('129.90')).toBe(1_299_000n);
    expect(toUnits('-0.0001')).toBe(-1n);
    expect(toUnits('7')).toBe(70_000n);
    expect(() => toUnits('1.23456')).toThrow(InvalidAmountError);
    expect(() => toUnits('1e3')).toThrow("invalid decimal amount '1e3'");
    expect(isAmount('12.5')).toBe(true);
    expect(isAmount('12.')).toBe(false);
  });

  it('adds and subtracts without float error', () => {
    expect(add('0.1', '0.2')).toBe('0.30');
    expect(subtract('100.00', '25.50')).toBe('74.50');
    expect(subtract('1', '1.0001')).toBe('-0.0001');
    expect(sum(['19.99', '0.01', '80'])).toBe('100.00');
    expect(sum([])).toBe('0.00');
    expect(add('90071992547409.91', '0.09')).toBe('90071992547410.00');
  });

  it('compares amounts by value, not text', () => {
    expect(compare('10.0', '10.00')).toBe(0);
    expect(compare('9.99', '10')).toBe(-1);
    expect(compare('-1', '-2')).toBe(1);
  });

  it('formats to 2 decimals, rounding half away from zero', () => {
    expect(format2('0.125')).toBe('0.13');
    expect(format2('0.1249')).toBe('0.12');
    expect(format2('-0.125')).toBe('-0.13');
    expect(format2('-0.001')).toBe('0.00');
    expect(format2('5')).toBe('5.00');
    expect(fromUnits(1_250n)).toBe('0.125');
  });
});
