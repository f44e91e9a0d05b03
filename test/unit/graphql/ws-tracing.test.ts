import { GraphQLError, parse } from 'graphql';
import { WsOperationTracing, wsTraceparent } from '../../../src/graphql/ws-tracing';
import { recordSpans } from '../../helpers/tracing';

const CALLER = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('wsTraceparent', () => {
  it('takes the subscribe extensions first, then the connection_init payload, and only strings', () => {
    expect(wsTraceparent({ traceparent: 'a' }, { traceparent: 'b' })).toBe('a');
    expect(wsTraceparent(undefined, { traceparent: 'b' })).toBe('b');
    expect(wsTraceparent({ traceparent: 42 }, null)).toBeUndefined();
    expect(wsTraceparent(null, undefined)).toBeUndefined();
  });
});

describe('WsOperationTracing', () => {
  const connection = {};

  it('tracing off: passes the caller\'s traceparent on and keeps nothing', () => {
    const tracing = new WsOperationTracing();
    expect(tracing.started(connection, '1', CALLER)).toBe(CALLER);
    expect(tracing.started(connection, '2', undefined)).toBeUndefined();
    expect(() => { tracing.completed(connection, '1'); tracing.closed(connection); }).not.toThrow();
  });

  describe('tracing on', () => {
    const exporter = recordSpans('unit');

    it('names the span from the document, even without an operationName, and ends it once', () => {
      const tracing = new WsOperationTracing();
      const traceparent = tracing.started(connection, '1', CALLER)!;
      expect(traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
      tracing.resolved(connection, '1', parse('subscription Watch { x }'), undefined, 'alice');
      tracing.completed(connection, '1');
      tracing.completed(connection, '1');
      tracing.closed(connection);
      const spans = exporter.getFinishedSpans();
      expect(spans.map((s) => s.name)).toEqual(['subscription Watch']);
      expect(spans[0].attributes).toEqual({ 'graphql.operation.type': 'subscription', 'graphql.operation.name': 'Watch', 'enduser.id': 'alice' });
      expect(spans[0].parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    });

    it('a refused operation ends at once with ERROR; a closed socket ends what is still open', () => {
      const tracing = new WsOperationTracing();
      tracing.started(connection, 'bad', undefined);
      tracing.refused(connection, 'bad', [new GraphQLError('Cannot query field "nope"')]);
      tracing.started(connection, 'open', undefined);
      tracing.resolved(connection, 'open', parse('query Q { a } query R { b }'), 'R', undefined);
      expect(exporter.getFinishedSpans().map((s) => [s.name, s.status.code])).toEqual([['graphql', 2]]);
      tracing.closed(connection);
      expect(exporter.getFinishedSpans().map((s) => [s.name, s.status.code])).toEqual([['graphql', 2], ['query R', 0]]);
    });
  });
});
