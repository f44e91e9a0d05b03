import {
  decodeSagaChangeNotice, encodeSagaChangeNotice, mergeSagaChangeNotices, SAGA_CHANGES_CHANNEL, type SagaChangeNotice,
} from '../../../src/persistence/saga-change-notice';

describe('the saga change notice', () => {
  const notice: SagaChangeNotice = { sagaId: '5b0c9f4e-2f4c-4c1e-9d7a-0c1f2e3d4a5b', version: 3, fromSeq: 7, toSeq: 9 };

  it('decodes what it encodes', () => {
    expect(decodeSagaChangeNotice(encodeSagaChangeNotice(notice))).toEqual(notice);
  });

  it('keeps the payload instances of earlier releases send and read on the same channel', () => {
    expect(SAGA_CHANGES_CHANNEL).toBe('saga_changes');
    expect(JSON.parse(encodeSagaChangeNotice(notice))).toEqual({ s: notice.sagaId, v: 3, f: 7, t: 9 });
    expect(decodeSagaChangeNotice('{"s":"a","v":1,"f":0,"t":4}')).toEqual({ sagaId: 'a', version: 1, fromSeq: 0, toSeq: 4 });
  });

  it.each([
    ['not JSON', 'saga changed'],
    ['JSON but not an object', '[1,2,3]'],
    ['null', 'null'],
    ['a field missing', '{"s":"a","v":1,"f":0}'],
    ['a saga id that is not text', '{"s":1,"v":1,"f":0,"t":1}'],
    ['a version that is text', '{"s":"a","v":"1","f":0,"t":1}'],
    ['a negative sequence', '{"s":"a","v":1,"f":-1,"t":1}'],
    ['a fractional sequence', '{"s":"a","v":1,"f":0,"t":1.5}'],
  ])('refuses a payload that is %s', (_what, payload) => {
    expect(decodeSagaChangeNotice(payload)).toBeNull();
  });

  it('merges two notices of one saga into the later version and every new event', () => {
    expect(mergeSagaChangeNotices(notice, { ...notice, version: 4, fromSeq: 9, toSeq: 12 })).toEqual({ ...notice, version: 4, fromSeq: 7, toSeq: 12 });
    // In whichever order they are merged.
    expect(mergeSagaChangeNotices({ ...notice, version: 4, fromSeq: 9, toSeq: 12 }, notice)).toEqual({ ...notice, version: 4, fromSeq: 7, toSeq: 12 });
  });
});
