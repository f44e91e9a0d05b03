import {
  DEAD_LETTER_HEADERS, deadLetterId, deadLetterRecord, decodeDeadLetter, encodeDeadLetter, originalKey, originalValue, printable,
} from '../../../src/messaging/dead-letter';
import { receivedMessage } from '../../../src/runtime/ports';

const garbage = Buffer.from('deadbeef00ff', 'hex');
const message = receivedMessage('order-created-events', 3, '42', Buffer.from([0x6b, 0x00, 0xff]), garbage, {
  'x-binary': [Buffer.from([0xff, 0x00])],
  repeated: [Buffer.from('a'), Buffer.from('b')],
});
const at = new Date('2026-12-01T08:00:00.000Z');

describe('dead-letter record codec', () => {
  it('keeps the original key, value and headers as exact bytes (base64)', () => {
    const record = deadLetterRecord(message, 'value is not valid UTF-8', at);
    expect(record).toEqual({
      error: 'value is not valid UTF-8',
      topic: 'order-created-events',
      partition: 3,
      offset: '42',
      key: Buffer.from([0x6b, 0x00, 0xff]).toString('base64'),
      value: garbage.toString('base64'),
      headers: { 'x-binary': Buffer.from([0xff, 0x00]).toString('base64'), repeated: ['YQ==', 'Yg=='] },
      deadLetteredAt: '2026-12-01T08:00:00.000Z',
    });
    expect(originalKey(record)).toEqual(Buffer.from([0x6b, 0x00, 0xff]));
    expect(originalValue(record)).toEqual(garbage);
  });

  it('round-trips through encode and decode, and the encoded text holds no NUL', () => {
    const record = deadLetterRecord(message, 'bad \u0000 input \ud800', at);
    const encoded = encodeDeadLetter(record);
    expect(encoded.value).not.toContain('\u0000');
    expect(encoded.key).not.toContain('\u0000');
    expect(encoded.topic).toBe('order-created-events.dlq');
    expect(decodeDeadLetter(encoded.value)).toEqual(record);
    expect(decodeDeadLetter(Buffer.from(encoded.value))).toEqual(record);
    expect(record.error).toBe('bad \\u0000 input \ufffd');
    expect(encoded.headers).toEqual({ [DEAD_LETTER_HEADERS.error]: record.error, [DEAD_LETTER_HEADERS.topic]: 'order-created-events' });
  });

  it('cuts the error header to 500 characters; the record keeps all of it', () => {
    const encoded = encodeDeadLetter(deadLetterRecord(message, 'x'.repeat(800), at));
    expect(encoded.headers['x-dlq-error']).toHaveLength(500);
    expect(decodeDeadLetter(encoded.value).error).toHaveLength(800);
  });

  it('keeps a null key and a tombstone as null', () => {
    const record = deadLetterRecord(receivedMessage('t', 0, '1', null, null, {}), 'empty', at);
    expect(record).toMatchObject({ key: null, value: null, headers: {} });
    expect(encodeDeadLetter(record).key).toBe('');
    expect(originalKey(record)).toBeNull();
  });

  it('refuses what is not a dead-letter record', () => {
    expect(() => decodeDeadLetter('{"error":"e"}')).toThrow();
    expect(() => decodeDeadLetter('not json')).toThrow();
    const record = deadLetterRecord(message, 'e', at);
    expect(() => decodeDeadLetter(JSON.stringify({ ...record, value: 'not base64!' }))).toThrow();
  });

  it('gives one message one id: the same topic, partition and offset always, anything else never', () => {
    const id = deadLetterId('order-created-events', 3, '42');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deadLetterId('order-created-events', 3, '42')).toBe(id);
    expect(new Set([id, deadLetterId('order-created-events', 3, '43'), deadLetterId('order-created-events', 2, '42'),
      deadLetterId('payment-processed-events', 3, '42'), deadLetterId('order-created-events', 34, '2')]).size).toBe(5);
    expect(encodeDeadLetter(deadLetterRecord(message, 'a', at)).eventId).toBe(encodeDeadLetter(deadLetterRecord(message, 'b', new Date())).eventId);
  });

  it('printable text: NUL made visible, lone surrogates replaced, pairs kept', () => {
    expect(printable('a\u0000b')).toBe('a\\u0000b');
    expect(printable('\ud800x\udc00')).toBe('\ufffdx\ufffd');
    expect(printable('emoji \ud83d\ude00')).toBe('emoji \ud83d\ude00');
  });
});
