import { bufferedStream, subscriberTooSlow, SUBSCRIBER_TOO_SLOW, type StreamSink } from '../../../../src/graphql/streams/subscriber-buffer';

function stream(capacity: number) {
  let sink!: StreamSink<number>;
  let cleanups = 0;
  const iterator = bufferedStream<number>({ capacity, tooSlow: (last) => subscriberTooSlow(capacity, { resumeAfterSequence: last ?? 0 }) }, (s) => {
    sink = s;
    return () => { cleanups += 1; };
  });
  return { iterator, sink, cleanups: () => cleanups };
}

describe('bufferedStream', () => {
  it('hands over what was pushed, in order, to a reader that keeps up', async () => {
    const { iterator, sink } = stream(2);
    const first = iterator.next();
    sink.push(1);
    sink.push(2);
    sink.push(3);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await iterator.next()).toEqual({ value: 2, done: false });
    expect(await iterator.next()).toEqual({ value: 3, done: false });
  });

  it('ends a reader that fell behind with SUBSCRIBER_TOO_SLOW and where to resume, and drops what waited', async () => {
    const { iterator, sink, cleanups } = stream(3);
    sink.push(1);
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    for (const n of [2, 3, 4, 5]) sink.push(n); // 5 does not fit
    expect(sink.closed).toBe(true);
    expect(cleanups()).toBe(1);
    const error = await iterator.next().catch((e: unknown) => e) as { extensions: Record<string, unknown>; message: string };
    expect(error.extensions).toMatchObject({ code: SUBSCRIBER_TOO_SLOW, resumeAfterSequence: 1, capacity: 3 });
    expect(error.message).toMatch(/too slow/);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    sink.push(6); // after the end: ignored, never throws
  });

  it('lets a producer that can wait go at the reader\'s pace without overflowing', async () => {
    const { iterator, sink } = stream(2);
    const produced = (async () => { for (let n = 1; n <= 10; n += 1) await sink.pushWhenRoom(n); sink.end(); })();
    const taken: number[] = [];
    for await (const n of iterator) taken.push(n);
    await produced;
    expect(taken).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('runs the clean-up once when the reader returns, and releases a waiting producer', async () => {
    const { iterator, sink, cleanups } = stream(1);
    sink.push(1);
    const waiting = sink.pushWhenRoom(2);
    await iterator.return!();
    await waiting;
    expect(cleanups()).toBe(1);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    await iterator.return!();
    expect(cleanups()).toBe(1);
  });

  it('delivers what was buffered before an end, then completes', async () => {
    const { iterator, sink } = stream(5);
    sink.push(1);
    sink.push(2);
    sink.end();
    expect([await iterator.next(), await iterator.next(), await iterator.next()]).toEqual([
      { value: 1, done: false }, { value: 2, done: false }, { value: undefined, done: true },
    ]);
  });

  it('passes a producer\'s failure to the reader', async () => {
    const { iterator, sink } = stream(5);
    const pending = iterator.next();
    sink.fail(new Error('storage refused'));
    await expect(pending).rejects.toThrow('storage refused');
  });
});
