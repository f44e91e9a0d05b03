import { GraphQLError } from 'graphql';
import pino from 'pino';
import { errorFormatter } from '../../../src/graphql/http';

const logger = pino({ level: 'silent' });
const format = (maskErrors: boolean, error: GraphQLError) => errorFormatter(maskErrors, logger)(error.toJSON(), error);

describe('errorFormatter (both transports)', () => {
  it('masks an error without a client code, keeping where it happened', () => {
    const error = new GraphQLError('select * from saga_instance - invalid input syntax', { path: ['sagas'], originalError: new Error('pg') });
    expect(format(true, error)).toEqual({ message: 'internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' }, path: ['sagas'] });
    expect(format(false, error).message).toMatch(/select/);
  });

  it('passes client errors and drops the HTTP status hint', () => {
    const error = new GraphQLError('after is not a cursor this API returned', { extensions: { code: 'BAD_USER_INPUT', argumentName: 'after', http: { status: 400 } } });
    expect(format(true, error)).toEqual({ message: 'after is not a cursor this API returned', extensions: { code: 'BAD_USER_INPUT', argumentName: 'after' } });
  });

  it('says QUERY_TIMEOUT for a statement PostgreSQL cancelled, masked or not', () => {
    const cancelled = Object.assign(new Error('select ... - canceling statement due to statement timeout'), { code: '57014' });
    for (const mask of [true, false]) {
      const formatted = format(mask, new GraphQLError(cancelled.message, { originalError: new GraphQLError('wrapped', { originalError: cancelled }) }));
      expect(formatted.extensions).toEqual({ code: 'QUERY_TIMEOUT' });
      expect(formatted.message).not.toMatch(/select/);
    }
  });
});
