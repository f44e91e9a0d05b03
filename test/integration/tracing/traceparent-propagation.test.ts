import { TOPICS } from '../../../src/sagas/order/contract';
import type { Subscription, TransportMessage } from '../../../src/runtime/ports';
import { parseTraceparent } from '../../../src/tracing/traceparent';
import { SagaStack } from '../../helpers/saga-stack';
import { eventually, uniqueName } from '../../helpers/services';

/** Tracing off (nothing configured): the trace context still flows through every saga's messages. */
describe('traceparent with tracing off', () => {
  let stack: SagaStack;
  let subscription: Subscription;
  const received: TransportMessage[] = [];
  const commandTopics = [
    TOPICS.reserveInventory, TOPICS.applyCoupon, TOPICS.processPayment, TOPICS.cancelCoupon, TOPICS.releaseInventory,
    TOPICS.confirmInventory, TOPICS.orderApproved, TOPICS.orderCancelled,
  ];
  const replyTopics = [TOPICS.productReserved, TOPICS.couponApplied, TOPICS.paymentFailed, TOPICS.compensation];

  beforeAll(async () => {
    stack = await SagaStack.start();
    await stack.transport.ensureTopics([...commandTopics, ...replyTopics]);
    subscription = await stack.transport.subscribe(
      { groupId: uniqueName('watch'), topics: [...commandTopics, ...replyTopics], fromBeginning: true },
      async (batch) => { received.push(...batch); },
    );
  });
  afterAll(async () => {
    await subscription?.stop();
    await stack?.stop();
  });

  const ofOrder = (orderId: string, topics: string[]) => received.filter((m) => topics.some((t) => m.topic.endsWith(t)) && JSON.parse(m.value!.toString()).orderId === orderId);
  const typesOf = (messages: TransportMessage[]) => messages.map((m) => JSON.parse(m.value!.toString()).eventType as string).sort();

  it('puts the traceparent of OrderCreated on every command and the final event, through a compensation', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const order = await stack.participants.createOrder({ scenario: 'fail-payment', couponCode: 'SAVE10' }, { traceparent });
    const saga = await stack.waitForStatus(order.orderId, 'PAYMENT_FAILED');
    expect(saga.state.traceparent).toBe(traceparent);
    const sent = await eventually(() => {
      const mine = ofOrder(order.orderId, commandTopics);
      return mine.some((m) => m.topic.endsWith(TOPICS.orderCancelled)) && mine.length >= 6 ? mine : undefined;
    }, 20000, 'the saga\'s commands and final event');
    expect(typesOf(sent)).toEqual(['ApplyCoupon', 'CancelCoupon', 'OrderCancelled', 'ProcessPayment', 'ReleaseInventory', 'ReserveInventory']);
    for (const m of sent) expect(m.headers.traceparent).toBe(traceparent);

    // The simulated participants continue the trace: same trace id, their own parent id.
    const replies = ofOrder(order.orderId, replyTopics);
    expect(replies.length).toBeGreaterThanOrEqual(4);
    for (const r of replies) {
      const parsed = parseTraceparent(r.headers.traceparent);
      expect(parsed?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(parsed?.spanId).not.toBe('00f067aa0ba902b7');
    }
  });

  it('gives a saga started without a traceparent a new trace, and carries it the same way', async () => {
    const order = await stack.participants.createOrder({});
    const saga = await stack.waitForStatus(order.orderId, 'COMPLETED');
    const own = parseTraceparent(saga.state.traceparent);
    expect(own).not.toBeNull();
    expect(own!.traceFlags).toBe(0); // nothing recorded it
    const sent = await eventually(() => {
      const mine = ofOrder(order.orderId, commandTopics);
      return mine.some((m) => m.topic.endsWith(TOPICS.orderApproved)) ? mine : undefined;
    }, 20000, 'the saga\'s commands and final event');
    expect(typesOf(sent)).toEqual(['ConfirmInventory', 'OrderApproved', 'ProcessPayment', 'ReserveInventory']);
    for (const m of sent) expect(m.headers.traceparent).toBe(saga.state.traceparent);
  });
});
