/**
 * Decimal money on strings, never floats: amounts are parsed into BigInt units of 1/10_000
 * (the contract allows at most 4 fraction digits) and formatted back. Currency is the caller's
 * concern; these functions only ever combine amounts of one currency.
 */

const SCALE = 4;
const UNIT = 10n ** BigInt(SCALE);
const DECIMAL = /^(-?)(\d+)(?:\.(\d{1,4}))?$/;

export class InvalidAmountError extends Error {
  constructor(readonly amount: string) {
    super(`invalid decimal amount '${amount}' (expected e.g. "129.90", at most 4 fraction digits)`);
  }
}

export function isAmount(amount: string): boolean {
  return DECIMAL.test(amount);
}

/** Amount as BigInt units of 1/10_000. Throws InvalidAmountError on a malformed string. */
export function toUnits(amount: string): bigint {
  const match = DECIMAL.exec(amount);
  if (!match) throw new InvalidAmountError(amount);
  const [, sign, whole, fraction = ''] = match;
  const units = BigInt(whole) * UNIT + BigInt(fraction.padEnd(SCALE, '0'));
  return sign === '-' ? -units : units;
}

/** Canonical text: at least 2 fraction digits, up to 4 when they matter ("15.00", "0.125"→"0.125"). */
export function fromUnits(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / UNIT;
  let fraction = (abs % UNIT).toString().padStart(SCALE, '0');
  while (fraction.length > 2 && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

export function add(a: string, b: string): string {
  return fromUnits(toUnits(a) + toUnits(b));
}

export function subtract(a: string, b: string): string {
  return fromUnits(toUnits(a) - toUnits(b));
}

export function sum(amounts: readonly string[]): string {
  return fromUnits(amounts.reduce((total, a) => total + toUnits(a), 0n));
}

/** -1, 0 or 1, like a sort comparator. */
export function compare(a: string, b: string): -1 | 0 | 1 {
  const d = toUnits(a) - toUnits(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export function equals(a: string, b: string): boolean {
  return compare(a, b) === 0;
}

export function min(a: string, b: string): string {
  return compare(a, b) <= 0 ? normalize(a) : normalize(b);
}

export function isZero(a: string): boolean {
  return toUnits(a) === 0n;
}

export function isNegative(a: string): boolean {
  return toUnits(a) < 0n;
}

export function normalize(a: string): string {
  return fromUnits(toUnits(a));
}

/** Exactly 2 fraction digits, rounding half away from zero ("0.125" → "0.13", "-0.125" → "-0.13"). */
export function format2(amount: string): string {
  const units = toUnits(amount);
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const step = UNIT / 100n; // one cent in units
  const cents = (abs + step / 2n) / step;
  const text = `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
  return negative && cents !== 0n ? `-${text}` : text;
}
