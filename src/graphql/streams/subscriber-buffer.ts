import { GraphQLError } from 'graphql';

/** The error code of a subscription closed because its subscriber fell too far behind. */
export const SUBSCRIBER_TOO_SLOW = 'SUBSCRIBER_TOO_SLOW';

/**
 * The error that ends a subscription whose subscriber fell behind. `resume` goes into the
 * extensions as is (e.g. `{ resumeAfterSequence: 12 }`): where a resumable stream picks up again.
 */
export function subscriberTooSlow(capacity: number, resume: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(
    `subscriber too slow: more than ${capacity} results were waiting for it; subscribe again${Object.keys(resume).length ? ' from the position in extensions' : ''}`,
    { extensions: { code: SUBSCRIBER_TOO_SLOW, capacity, ...resume } },
  );
}

/** Where a stream puts what it produces; never blocks and never throws. */
export interface StreamSink<T> {
  push(item: T): void;
  /**
   * Pushes once the buffer has room, for producers that can wait (reads from storage): they go at
   * the subscriber's pace and never overflow. Resolves at once, pushing nothing, once closed.
   */
  pushWhenRoom(item: T): Promise<void>;
  /** Ends the stream as one whose subscriber fell behind (the `tooSlow` error), e.g. when its own queue is full. */
  overflow(): void;
  /** Ends the stream with an error (after nothing more: what is buffered is dropped). */
  fail(error: unknown): void;
  /** Ends the stream once what is buffered has been taken. */
  end(): void;
  readonly closed: boolean;
}

export interface BufferOptions<T> {
  /** Results held for the subscriber at most. */
  capacity: number;
  /** The error for a subscriber that fell behind, given the last result it took. */
  tooSlow(lastTaken: T | undefined): Error;
}

/**
 * One subscriber's bounded buffer between a producer that must never wait (the change fan-out)
 * and a consumer that reads at its own pace (graphql-ws, which takes the next result once the
 * previous one is written to the socket). When more than `capacity` results wait, the buffer
 * drops them and the subscriber gets the `tooSlow` error on its next read: its memory stays
 * bounded, and nobody else waits for it.
 *
 * `start` is called once with the sink and returns the clean-up, which runs exactly once when the
 * stream ends for any reason (the consumer returned, the producer ended or failed, overflow).
 */
export function bufferedStream<T>(options: BufferOptions<T>, start: (sink: StreamSink<T>) => () => void): AsyncIterableIterator<T> {
  const items: T[] = [];
  let waiting: { resolve(result: IteratorResult<T>): void; reject(error: unknown): void } | undefined;
  let lastTaken: T | undefined;
  let closed = false;
  let failure: { error: unknown } | undefined;
  let cleanup: (() => void) | undefined;
  const roomWaiters: (() => void)[] = [];
  const wakeRoomWaiters = () => {
    while (roomWaiters.length > 0 && (closed || items.length < options.capacity)) roomWaiters.shift()!();
  };

  const close = () => {
    if (closed) return;
    closed = true;
    const done = cleanup;
    cleanup = undefined;
    done?.();
    wakeRoomWaiters();
  };
  const take = (item: T): IteratorResult<T> => {
    lastTaken = item;
    return { value: item, done: false };
  };
  const finish = (): Promise<IteratorResult<T>> => {
    if (failure) {
      const { error } = failure;
      failure = undefined;
      return Promise.reject(error);
    }
    return Promise.resolve({ value: undefined, done: true });
  };

  const sink: StreamSink<T> = {
    get closed() { return closed; },
    push(item) {
      if (closed) return;
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w.resolve(take(item));
      } else if (items.length >= options.capacity) {
        sink.overflow();
      } else {
        items.push(item);
      }
    },
    async pushWhenRoom(item) {
      while (!closed && items.length >= options.capacity) await new Promise<void>((resolve) => roomWaiters.push(resolve));
      sink.push(item);
    },
    overflow() {
      sink.fail(options.tooSlow(lastTaken));
    },
    fail(error) {
      if (closed) return;
      items.length = 0;
      close();
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w.reject(error);
      } else {
        failure = { error };
      }
    },
    end() {
      if (closed) return;
      close();
      if (waiting && items.length === 0) {
        const w = waiting;
        waiting = undefined;
        w.resolve({ value: undefined, done: true });
      }
    },
  };

  const iterator: AsyncIterableIterator<T> = {
    next() {
      if (items.length > 0) {
        const result = take(items.shift()!);
        wakeRoomWaiters();
        return Promise.resolve(result);
      }
      if (closed) return finish();
      if (waiting) return Promise.reject(new Error('next() called again before the previous one settled'));
      return new Promise((resolve, reject) => { waiting = { resolve, reject }; });
    },
    return() {
      items.length = 0;
      failure = undefined;
      close();
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w.resolve({ value: undefined, done: true });
      }
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error) {
      iterator.return!();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() { return iterator; },
  };

  const stop = start(sink);
  if (closed) stop();
  else cleanup = stop;
  return iterator;
}

/** Results held per subscriber when the configuration does not say (GRAPHQL_SUBSCRIBER_BUFFER). */
export const DEFAULT_SUBSCRIBER_BUFFER = 1000;
