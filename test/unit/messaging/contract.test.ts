import {
  ALL_TOPICS,
  dlqTopic,
  EVENT_TYPE_TOPIC,
  EVENT_TYPES,
  parseIncoming,
  TOPIC_EVENT_TYPES,
  TOPICS,
} from '../../../src/messaging/contract';
import { sampleEnvelope, sampleOrderCreated } from '../support/messages';

const envelope = sampleEnvelope;
const orderCreated = sampleOrderCreated;

describe('contract: parseIncoming', () => {
  it('accepts a valid message from a Buffer and keeps its fields', () => {
    const result = parseIncoming(TOPICS.orderCreated, Buffer.from(JSON.stringify(orderCreated)));
    expect(result).toEqual({ ok: true, message: orderCreated });
  });

  it('accepts either eventType a shared topic allows', () => {
    const failed = { ...envelope, eventType: 'InventoryConfirmationFailed', reservationId: 'r-1', reason: 'expired' };
    const result = parseIncoming(TOPICS.inventoryConfirmed, JSON.stringify(failed));
    expect(result.ok && result.message.eventType).toBe('InventoryConfirmationFailed');
  });

  it('accepts a Java LocalDateTime timestamp without zone', () => {
    expect(parseIncoming(TOPICS.orderCreated, JSON.stringify({ ...orderCreated, timestamp: '2025-01-01T10:00:00.123456' })).ok).toBe(true);
  });

  it('reports malformed JSON, null values and non-objects', () => {
    expect(parseIncoming(TOPICS.orderCreated, '{"eventId":')).toEqual({ ok: false, error: expect.stringMatching(/^malformed JSON: /) });
    expect(parseIncoming(TOPICS.orderCreated, null)).toEqual({ ok: false, error: 'empty message value (null / tombstone)' });
    expect(parseIncoming(TOPICS.orderCreated, '[1]')).toEqual({ ok: false, error: '(root): expected a JSON object' });
  });

  it('names the missing or wrong field by its path', () => {
    const { customerId: _omit, ...missing } = orderCreated;
    expect(parseIncoming(TOPICS.orderCreated, JSON.stringify(missing))).toEqual({
      ok: false,
      error: 'invalid OrderCreated: customerId: Invalid input: expected string, received undefined',
    });
    const floatPrice = { ...orderCreated, items: [{ ...orderCreated.items[0], unitPrice: 129.9 }] };
    expect(parseIncoming(TOPICS.orderCreated, JSON.stringify(floatPrice))).toEqual({
      ok: false,
      error: 'invalid OrderCreated: items.0.unitPrice: Invalid input: expected string, received number',
    });
    const badMoney = { ...orderCreated, totalAmount: '12.34567', currency: 'eur' };
    const result = parseIncoming(TOPICS.orderCreated, JSON.stringify(badMoney));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain('currency: must be 3 uppercase letters (ISO 4217)');
    expect(!result.ok && result.error).toContain('totalAmount: must be a decimal string like "129.90"');
  });

  it('checks the envelope: uuid ids and a non-negative integer retryCount', () => {
    const bad = { ...orderCreated, eventId: 'not-a-uuid', retryCount: -1 };
    const result = parseIncoming(TOPICS.orderCreated, JSON.stringify(bad));
    expect(!result.ok && result.error).toMatch(/eventId: .*; retryCount: /);
  });

  it('requires a payment method or split payments on OrderCreated', () => {
    const { paymentMethod: _omit, ...noPayment } = orderCreated;
    expect(parseIncoming(TOPICS.orderCreated, JSON.stringify(noPayment))).toEqual({
      ok: false,
      error: 'invalid OrderCreated: paymentMethod: either paymentMethod or payments[] is required',
    });
  });

  it('refuses an eventType that does not belong on the topic, and unknown topics', () => {
    expect(parseIncoming(TOPICS.paymentFailed, JSON.stringify(orderCreated))).toEqual({
      ok: false,
      error: "eventType: 'OrderCreated' is not allowed on topic 'payment-failed-events' (expected PaymentFailed)",
    });
    expect(parseIncoming(TOPICS.orderCreated, JSON.stringify({ ...orderCreated, eventType: undefined }))).toMatchObject({
      ok: false,
      error: 'eventType: required string, one of OrderCreated',
    });
    expect(parseIncoming('elsewhere', '{}')).toEqual({ ok: false, error: "unknown topic 'elsewhere'" });
  });
});

describe('contract: topics', () => {
  it('maps every eventType to exactly one topic and back', () => {
    expect(ALL_TOPICS).toHaveLength(19);
    expect(Object.values(TOPIC_EVENT_TYPES).flat().sort()).toEqual([...EVENT_TYPES].sort());
    expect(EVENT_TYPE_TOPIC.ProcessSplitPayment).toBe('process-payment-commands');
    expect(EVENT_TYPE_TOPIC.PaymentRefunded).toBe('compensation-events');
    expect(dlqTopic(TOPICS.orderCreated)).toBe('order-created-events.dlq');
  });
});
