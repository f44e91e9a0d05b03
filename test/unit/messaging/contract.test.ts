import { dlqTopic, payloadFingerprint } from '../../../src/messaging/contract';
import { ALL_TOPICS, EVENT_TYPE_TOPIC, EVENT_TYPES, parseIncoming, TOPIC_EVENT_TYPES, TOPICS } from '../../../src/sagas/order/contract';
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

describe('contract: only what storage accepts', () => {
  const parse = (value: unknown) => parseIncoming(TOPICS.orderCreated, Buffer.from(JSON.stringify(value)));
  const errorOf = (value: unknown) => {
    const result = parse(value);
    return result.ok ? null : result.error;
  };

  it('amounts fit numeric(19,4): at most 15 integer digits and 4 decimals', () => {
    expect(parse({ ...orderCreated, totalAmount: '999999999999999.9999', items: [{ ...orderCreated.items[0], quantity: 1, unitPrice: '999999999999999.9999' }] }).ok).toBe(true);
    expect(errorOf({ ...orderCreated, totalAmount: '1000000000000000' })).toMatch(/^invalid OrderCreated: totalAmount: .*at most 15 integer digits/);
    expect(errorOf({ ...orderCreated, totalAmount: '12345678901234567890.00' })).toMatch(/totalAmount/);
    expect(errorOf({ ...orderCreated, items: [{ ...orderCreated.items[0], unitPrice: '1.00001' }] })).toMatch(/items\.0\.unitPrice/);
  });

  it('refuses a NUL in any string, known field, unknown field or field name, naming the path', () => {
    expect(errorOf({ ...orderCreated, customerId: 'c\u0000' })).toBe('invalid OrderCreated: customerId: must not contain NUL (\\u0000)');
    expect(errorOf({ ...orderCreated, items: [{ ...orderCreated.items[0], sku: 'S\u0000' }] })).toMatch(/items\.0\.sku: must not contain NUL/);
    expect(errorOf({ ...orderCreated, extra: { deep: ['ok', 'x\u0000'] } })).toMatch(/extra\.deep\.1: must not contain NUL/);
    expect(errorOf({ ...orderCreated, ['bad\u0000key']: 1 })).toMatch(/must not contain NUL .*field name/);
  });

  it('refuses an invalid Unicode escape (a lone surrogate) anywhere', () => {
    const text = JSON.stringify({ ...orderCreated, customerId: 'x\ud800' });
    expect(text).toContain('\\ud800');
    const result = parseIncoming(TOPICS.orderCreated, Buffer.from(text));
    expect(!result.ok && result.error).toBe('invalid OrderCreated: customerId: invalid Unicode (a lone surrogate)');
    expect(errorOf({ ...orderCreated, note: '\udc00' })).toMatch(/note: invalid Unicode/);
    // A well-formed pair (an emoji) is fine.
    expect(parse({ ...orderCreated, customerId: 'c-\ud83d\ude00' }).ok).toBe(true);
  });

  it('refuses bytes that are not UTF-8 instead of replacing them', () => {
    expect(parseIncoming(TOPICS.orderCreated, Buffer.from('deadbeef00ff', 'hex'))).toEqual({ ok: false, error: 'value is not valid UTF-8' });
    const valid = Buffer.from(JSON.stringify(orderCreated));
    expect(parseIncoming(TOPICS.orderCreated, Buffer.concat([valid.subarray(0, 20), Buffer.from([0xc3]), valid.subarray(20)])).ok).toBe(false);
  });

  it('caps identifiers at 255 and reasons at 2000 characters', () => {
    expect(parse({ ...orderCreated, customerId: 'c'.repeat(255) }).ok).toBe(true);
    expect(errorOf({ ...orderCreated, customerId: 'c'.repeat(256) })).toMatch(/customerId: .*255/);
    const failed = { ...envelope, eventType: 'PaymentFailed', paymentMethod: 'CARD', amount: '1.00', reason: 'r'.repeat(2001) };
    const result = parseIncoming(TOPICS.paymentFailed, JSON.stringify(failed));
    expect(!result.ok && result.error).toMatch(/reason: .*2000/);
    expect(parseIncoming(TOPICS.paymentFailed, JSON.stringify({ ...failed, reason: 'r'.repeat(2000) })).ok).toBe(true);
  });
});

describe('contract: payload fingerprint', () => {
  const parsed = (value: unknown) => {
    const result = parseIncoming(TOPICS.orderCreated, JSON.stringify(value));
    if (!result.ok) throw new Error(result.error);
    return result.message;
  };

  it('is the same for the same content, whatever the key order, timestamp or retryCount', () => {
    const reordered = Object.fromEntries(Object.entries(orderCreated).reverse());
    const base = payloadFingerprint(parsed(orderCreated));
    expect(payloadFingerprint(parsed(reordered))).toBe(base);
    expect(payloadFingerprint(parsed({ ...orderCreated, timestamp: '2026-01-01T00:00:00Z', retryCount: 3 }))).toBe(base);
    expect(payloadFingerprint(parsed({ ...orderCreated, ignoredExtra: 'x' }))).toBe(base);
  });

  it('differs when the content differs', () => {
    const base = payloadFingerprint(parsed(orderCreated));
    expect(payloadFingerprint(parsed({ ...orderCreated, totalAmount: '129.91', items: [{ ...orderCreated.items[0], quantity: 1, unitPrice: '129.91' }] }))).not.toBe(base);
    expect(payloadFingerprint(parsed({ ...orderCreated, orderId: '6f1c1f5e-8c2a-4c53-9d0e-2b7f3f1a9aff' }))).not.toBe(base);
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
