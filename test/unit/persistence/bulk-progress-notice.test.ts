import { BULK_PROGRESS_CHANNEL, decodeBulkProgressNotice, encodeBulkProgressNotice } from '../../../src/persistence/bulk-progress-notice';
import type { BulkProgressNotice } from '../../../src/runtime/ports';

describe('the bulk progress notice', () => {
  const notice: BulkProgressNotice = { bulkActionId: 'b-1', itemSeq: 4, kind: 'ITEM' };

  it('decodes what it encodes', () => {
    expect(decodeBulkProgressNotice(encodeBulkProgressNotice(notice))).toEqual(notice);
    expect(decodeBulkProgressNotice(encodeBulkProgressNotice({ bulkActionId: 'b-1', itemSeq: 0, kind: 'SUMMARY' }))).toEqual({ bulkActionId: 'b-1', itemSeq: 0, kind: 'SUMMARY' });
  });

  it('keeps the payload instances of earlier releases send and read on the same channel', () => {
    expect(BULK_PROGRESS_CHANNEL).toBe('bulk_action_progress');
    expect(JSON.parse(encodeBulkProgressNotice(notice))).toEqual({ b: 'b-1', q: 4, k: 'ITEM' });
  });

  it.each([
    ['not JSON', 'progress'],
    ['JSON but not an object', '"b-1"'],
    ['null', 'null'],
    ['no id', '{"q":1,"k":"ITEM"}'],
    ['a negative seq', '{"b":"b-1","q":-1,"k":"ITEM"}'],
    ['a fractional seq', '{"b":"b-1","q":1.5,"k":"ITEM"}'],
    ['an unknown kind', '{"b":"b-1","q":1,"k":"OTHER"}'],
  ])('refuses %s', (_what, payload) => {
    expect(decodeBulkProgressNotice(payload)).toBeNull();
  });
});
