import { hopBreakdown, type Sent } from '../../../bench/lib/hops';
import { TOPICS } from '../../../src/sagas/order/contract';

const order = 'o-1';
const msg = (topic: string, producedAt: number, eventId: string, byOrchestrator: boolean, offset = '0'): Sent =>
  ({ topic, partition: 0, offset, producedAt, eventId, orderId: order, byOrchestrator });

describe('hopBreakdown', () => {
  it('splits a saga into orchestrator and participant turns that add up to its time', () => {
    const messages = [
      msg(TOPICS.orderCreated, 0, 'e1', false),
      msg(TOPICS.reserveInventory, 10, 'e2', true),     // orchestrator: consumed at 4, command at 10
      msg(TOPICS.productReserved, 18, 'e3', false),     // participant: received at 13, reply at 18
      msg(TOPICS.orderApproved, 30, 'e4', true),        // orchestrator: consumed at 25
      msg(TOPICS.productReserved, 40, 'e3', false, '1'), // a re-send with the same eventId: ignored
    ];
    const h = hopBreakdown(messages.reverse(), new Set([order]), new Map([[`${TOPICS.reserveInventory}/0/0`, 13]]), new Map([['e1', 4], ['e3', 25]]));
    expect(h.sagas).toBe(1);
    expect(h.mean).toEqual({ orchestratorConsume: 4 + 7, orchestratorTurn: 6 + 5, participantDelivery: 3, participantWork: 5, total: 30 });
    expect(h.turns).toEqual({ orchestrator: 2, participant: 1 });
  });

  it('leaves out sagas without a final event and orders not asked for', () => {
    const unfinished = [msg(TOPICS.orderCreated, 0, 'e1', false), msg(TOPICS.reserveInventory, 10, 'e2', true)];
    expect(hopBreakdown(unfinished, new Set([order]), new Map(), new Map()).sagas).toBe(0);
    expect(hopBreakdown(unfinished, new Set(['other']), new Map(), new Map()).sagas).toBe(0);
  });
});
