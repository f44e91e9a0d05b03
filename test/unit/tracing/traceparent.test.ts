import { childTraceparent, formatTraceparent, newTraceparent, parseTraceparent, traceIdOf } from '../../../src/tracing/traceparent';

describe('W3C traceparent', () => {
  const valid = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('parses and formats a valid header', () => {
    expect(parseTraceparent(valid)).toEqual({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
    expect(formatTraceparent(parseTraceparent(valid)!)).toBe(valid);
    expect(traceIdOf(valid)).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it.each([
    ['absent', undefined], ['empty', ''], ['too short', '00-abc-def-01'], ['upper case', valid.toUpperCase()],
    ['zero trace id', `00-${'0'.repeat(32)}-b7ad6b7169203331-01`], ['zero parent id', `00-0af7651916cd43dd8448eb211c80319c-${'0'.repeat(16)}-01`],
    ['version ff', `ff${valid.slice(2)}`], ['version 00 with more fields', `${valid}-extra`],
  ])('refuses %s', (_, value) => {
    expect(parseTraceparent(value)).toBeNull();
    expect(traceIdOf(value)).toBeNull();
  });

  it('accepts a later version with more fields, keeping the first four', () => {
    expect(parseTraceparent(`01${valid.slice(2)}-what-comes`)).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c' });
  });

  it('continues a trace with a new parent id, and starts new unsampled ones', () => {
    const child = parseTraceparent(childTraceparent(valid));
    expect(child).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', traceFlags: 1 });
    expect(child!.spanId).not.toBe('b7ad6b7169203331');
    expect(childTraceparent('garbage')).toBeNull();
    const fresh = parseTraceparent(newTraceparent());
    expect(fresh).toMatchObject({ traceFlags: 0 });
    expect(fresh!.traceId).not.toBe(parseTraceparent(newTraceparent())!.traceId);
  });
});
