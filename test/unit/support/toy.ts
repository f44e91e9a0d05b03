/**
 * A small made-up saga that exercises every engine feature without the order's business rules:
 * book (compensable) → optional (only if flag) → collect (two replies; partial effects) → notify
 * (no reply expected).
 */
import type { IncomingReply, RetryPolicy, SagaDefinition } from '../../../src/core';

export interface ToyData {
  flag: boolean;
  parts: number;
  booking: string | null;
  extra?: string;
}

const retry: RetryPolicy = { maxAttempts: 2, initialBackoffMs: 100, maxBackoffMs: 1_000, multiplier: 2, jitter: 0 };

export const toyDefinition: SagaDefinition<ToyData> = {
  name: 'toy',
  version: 3,
  // Its own business key: a booking reference, in the `bookingRef` field of its messages.
  businessKeyField: 'bookingRef',
  steps: [
    {
      name: 'book',
      participant: 'Hotel',
      description: 'book a room',
      invoke: () => [{ topic: 'book-commands', eventType: 'Book', payload: { rooms: 1 } }],
      replies: {
        Booked: (data, reply) => ({ kind: 'succeeded', data: { ...data, booking: String(reply.booking) } }),
        BookFailed: () => ({ kind: 'failed', reason: 'no rooms' }),
      },
      compensation: {
        commands: (data, context) => [
          { topic: 'cancel-commands', eventType: 'Cancel', payload: { booking: data.booking, why: context.reason } },
        ],
        replies: { Cancelled: (data) => ({ done: true, data }) },
      },
      retry,
      timeoutMs: 1_000,
      failureStatus: 'NO_ROOM',
      skippable: false,
    },
    {
      name: 'optional',
      participant: 'Extra',
      description: 'only when flagged',
      when: (data) => data.flag,
      invoke: () => [{ topic: 'opt-commands', eventType: 'Opt', payload: {} }],
      replies: { OptDone: (data) => ({ kind: 'succeeded', data }) },
      retry,
      timeoutMs: 1_000,
      failureStatus: 'EXTRA_REFUSED',
      skippable: true,
    },
    {
      name: 'collect',
      participant: 'Bank',
      description: 'two parts must arrive',
      invoke: () => [{ topic: 'collect-commands', eventType: 'Collect', payload: {} }],
      replies: {
        Part: (data) =>
          data.parts + 1 < 2 ? { kind: 'pending', data: { ...data, parts: data.parts + 1 } } : { kind: 'succeeded', data: { ...data, parts: 2 } },
        PartFailed: (data) => ({ kind: 'failed', reason: 'part bounced', data, compensateSelf: data.parts > 0 }),
      },
      compensation: {
        when: (data) => data.parts > 0,
        commands: (data) => [{ topic: 'undo-commands', eventType: 'Undo', payload: { parts: data.parts } }],
        replies: {}, // done as soon as sent
      },
      retry,
      timeoutMs: 2_000,
      failureStatus: 'UNCOLLECTED',
      skippable: true,
      outputSchema: { type: 'object', required: ['extra'], properties: { extra: { type: 'string' } } },
    },
    {
      name: 'notify',
      participant: 'Mail',
      description: 'fire and forget',
      invoke: (data) => [{ topic: 'notice-events', eventType: 'Notice', payload: { parts: data.parts } }],
      replies: {},
      retry,
      timeoutMs: 1_000,
      failureStatus: 'UNNOTIFIED',
      skippable: false,
    },
  ],
  onCompleted: (data) => [{ topic: 'done-events', eventType: 'Done', payload: { booking: data.booking } }],
  onFailed: (_data, status, reason) => [{ topic: 'failed-events', eventType: 'Failed', payload: { status, reason } }],
  // Its own failure statuses: the engine knows only the built-in ones (RUNNING, COMPENSATED, TIMED_OUT...).
  failureStatuses: ['NO_ROOM', 'EXTRA_REFUSED', 'UNCOLLECTED', 'UNNOTIFIED', 'TIMED_OUT', 'COMPENSATED'],
};

let replyCounter = 0;
export function toyReply(eventType: string, payload: Record<string, unknown> = {}): IncomingReply {
  replyCounter += 1;
  const eventId = `ffffffff-0000-4000-8000-${replyCounter.toString().padStart(12, '0')}`;
  return { eventId, eventType, payload: { eventId, eventType, ...payload } };
}

export const TOY_START = {
  sagaId: '11111111-0000-4000-8000-000000000001',
  businessKey: '22222222-0000-4000-8000-000000000002',
  causationId: '33333333-0000-4000-8000-000000000003',
  correlationId: '44444444-0000-4000-8000-000000000004',
  data: { flag: false, parts: 0, booking: null } as ToyData,
};
