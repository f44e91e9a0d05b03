import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { EVENT_TYPE_TOPIC, INBOUND_TOPICS, parseIncoming, type ContractMessage, type EventType, type PayloadOf } from '../../../src/sagas/order/contract';
import { KafkaTransport } from '../../../src/messaging/kafka-transport';
import type { Subscription } from '../../../src/runtime/ports';
import { startParticipants, type Participants } from '../../../src/participants';
import { eventually, kafkaBrokers, uniqueName } from '../../helpers/services';

describe('simulated participants on the real Kafka broker', () => {
  const logger = pino({ level: 'silent' });
  const transport = new KafkaTransport({ brokers: kafkaBrokers(), clientId: 'participants-test', logger });
  let participants: Participants;
  let orchestrator: Subscription;
  const received: ContractMessage[] = [];
  const invalid: string[] = [];

  beforeAll(async () => {
    // onlyOwnOrders: other test files share this broker and its topics.
    participants = await startParticipants(transport, { groupIdPrefix: uniqueName('sim'), logger, onlyOwnOrders: true, lateReplyMs: 1000 });
    orchestrator = await transport.subscribe({ groupId: uniqueName('orchestrator'), topics: [...INBOUND_TOPICS] }, async (batch) => {
      for (const m of batch) {
        const parsed = parseIncoming(m.topic, m.value);
        if (parsed.ok) received.push(parsed.message);
        else invalid.push(parsed.error);
      }
    });
  });

  afterAll(async () => {
    await participants.stop();
    await orchestrator.stop();
    await transport.close();
  });

  async function send<K extends EventType>(eventType: K, orderId: string, payload: PayloadOf<K>, eventId = randomUUID(), retryCount = 0) {
    const command = {
      eventId, eventType, sagaId: randomUUID(), orderId, correlationId: randomUUID(), causationId: null,
      timestamp: new Date().toISOString(), retryCount, ...payload,
    };
    await transport.publish([{ topic: EVENT_TYPE_TOPIC[eventType], key: orderId, value: JSON.stringify(command) }]);
    return command;
  }

  const repliesTo = (eventId: string) => received.filter((m) => m.causationId === eventId);
  const replies = (eventId: string, n = 1) => eventually(() => (repliesTo(eventId).length >= n ? repliesTo(eventId) : undefined), 30000, `reply to ${eventId}`);

  it('places an order and answers commands with valid replies', async () => {
    const order = await participants.createOrder({ scenario: 'fail-payment-part:GIFT_CARD', payments: [{ paymentMethod: 'CARD', amount: '60.00' }, { paymentMethod: 'GIFT_CARD' }] });
    await eventually(() => received.find((m) => m.eventType === 'OrderCreated' && m.orderId === order.orderId), 30000, 'OrderCreated');

    const reserve = await send('ReserveInventory', order.orderId, { items: order.items });
    const [reserved] = await replies(reserve.eventId);
    expect(reserved).toMatchObject({ eventType: 'ProductReserved', sagaId: reserve.sagaId, correlationId: reserve.correlationId });

    const pay = await send('ProcessSplitPayment', order.orderId, { payments: order.payments!, currency: 'EUR', customerId: order.customerId });
    const [split] = await replies(pay.eventId);
    expect(split).toMatchObject({ eventType: 'SplitPayment', completed: false, totalAmount: '89.80' });

    // A re-send gets the same reply (same eventId) and charges nothing more.
    await send('ProcessSplitPayment', order.orderId, { payments: order.payments!, currency: 'EUR', customerId: order.customerId }, pay.eventId, 1);
    const both = await replies(pay.eventId, 2);
    expect(both[1].eventId).toBe(both[0].eventId);
    expect(participants.ledger.order(order.orderId)!.charges).toHaveLength(1);
    expect(invalid).toEqual([]);
  });

  it('answers a batch of many orders, one reply each', async () => {
    const orders = await Promise.all(Array.from({ length: 200 }, () => participants.createOrder()));
    const commands = orders.map((o) => ({
      eventId: randomUUID(), eventType: 'ReserveInventory', sagaId: randomUUID(), orderId: o.orderId, correlationId: randomUUID(),
      causationId: null, timestamp: new Date().toISOString(), retryCount: 0, items: o.items,
    }));
    await transport.publish(commands.map((c) => ({ topic: EVENT_TYPE_TOPIC.ReserveInventory, key: c.orderId, value: JSON.stringify(c) })));
    const ids = new Set<string>(commands.map((c) => c.eventId));
    await eventually(() => (received.filter((m) => m.causationId && ids.has(m.causationId)).length >= 200 ? true : undefined), 30000, '200 replies');
    expect(received.filter((m) => m.causationId && ids.has(m.causationId) && m.eventType !== 'ProductReserved')).toEqual([]);
    expect(participants.ledger.totals().reservations).toBe(201);
  });
});
