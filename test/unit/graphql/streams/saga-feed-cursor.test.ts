import { decodeFeedCursor, encodeFeedCursor } from '../../../../src/graphql/streams/saga-feed-stream';

const cursor = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

describe('sagaEventFeed cursors', () => {
  it('are a commit position and an event row id, and read back as they were written', () => {
    const position = { commit: '42', id: '9001' };
    expect(Buffer.from(encodeFeedCursor(position), 'base64url').toString('utf8')).toBe('c:42:9001');
    expect(decodeFeedCursor(encodeFeedCursor(position))).toEqual(position);
  });

  it('still accept the cursors handed out before commit positions (transaction id, row id)', () => {
    expect(decodeFeedCursor(cursor('18446744073709551615:17'))).toEqual({ txId: '18446744073709551615', id: '17' });
  });

  it('refuse anything else as BAD_USER_INPUT', () => {
    for (const bad of ['', 'c:1', 'c:1:x', 'c:-1:1', 'c:9223372036854775808:1', 'c:1:9223372036854775808', 'x:1:1', '18446744073709551616:1', '1:2:3']) {
      let code: unknown;
      try {
        decodeFeedCursor(cursor(bad));
      } catch (error) {
        code = (error as { extensions?: { code?: string } }).extensions?.code;
      }
      expect({ bad, code }).toEqual({ bad, code: 'BAD_USER_INPUT' });
    }
  });
});
