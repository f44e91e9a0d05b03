import { inlined, literal, numbered } from '../../../src/persistence/pg-transaction';
import { jsonChunks, timestamptzText } from '../../../src/persistence/sql';

describe('SQL text helpers of the hot path', () => {
  it('numbers ? placeholders in order', () => {
    expect(numbered('select ? , ?::json from t where a = ?')).toBe('select $1 , $2::json from t where a = $3');
  });

  it('inlines parameters as literals, doubling quotes and escaping backslashes', () => {
    expect(inlined('select ?, ?, ?, ?', [null, 42, "it's", 'a\\b'])).toBe(`select null, '42', 'it''s',  E'a\\\\b'`);
    expect(literal(new Date(Date.UTC(2026, 0, 2)))).toBe(`'2026-01-02T00:00:00.000Z'`);
    expect(literal(true)).toBe(`'true'`);
  });

  it('refuses a parameter count that does not match the placeholders, and non-finite numbers', () => {
    expect(() => inlined('select ?, ?', [1])).toThrow(/fewer parameters/);
    expect(() => inlined('select ?', [1, 2])).toThrow(/more parameters/);
    expect(() => literal(Number.NaN)).toThrow(/finite/);
    expect(() => literal({ a: 1 })).toThrow(/JSON text/);
  });

  it('splits rows into JSON arrays under the size limit, each row whole and in order', () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ i, pad: 'x'.repeat(30) }));
    const chunks = jsonChunks(rows, 100);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(100 + 2);
    expect(chunks.flatMap((c) => JSON.parse(c))).toEqual(rows);
    expect(jsonChunks([])).toEqual([]);
    // A row larger than the limit still goes, alone.
    expect(jsonChunks([{ big: 'y'.repeat(300) }, { i: 1 }], 100).map((c) => JSON.parse(c).length)).toEqual([1, 1]);
  });

  it('writes instants as timestamptz text PostgreSQL takes, years before 1 as BC and past 9999 in full', () => {
    expect(timestamptzText(new Date('2026-01-02T03:04:05.006Z'))).toBe('2026-01-02T03:04:05.006+00:00');
    expect(timestamptzText(new Date('0000-01-01T00:00:00Z'))).toBe('0001-01-01T00:00:00.000+00:00 BC');
    expect(timestamptzText(new Date('-000002-12-31T23:59:59.999Z'))).toBe('0003-12-31T23:59:59.999+00:00 BC');
    expect(timestamptzText(new Date('+012345-06-07T00:00:00Z'))).toBe('12345-06-07T00:00:00.000+00:00');
  });
});
