/**
 * The bulk progress notice: what a transaction that records a bulk action's progress announces,
 * and how every instance reads it back. bulk-action-repository.ts NOTIFYs it on
 * BULK_PROGRESS_CHANNEL inside the writing transaction; bulk-progress-listener.ts decodes it.
 */
import { payloadObject } from './pg-channel';
import type { BulkProgressNotice } from '../runtime/ports';

/** PostgreSQL channel announcing bulk action progress to every instance. */
export const BULK_PROGRESS_CHANNEL = 'bulk_action_progress';

/**
 * As sent: short keys, one notice per item recorded. Instances of different releases share the
 * channel during a rolling deploy, so this shape only ever grows.
 */
interface NoticePayload { b: string; q: number; k: BulkProgressNotice['kind'] }

export function encodeBulkProgressNotice(notice: BulkProgressNotice): string {
  const payload: NoticePayload = { b: notice.bulkActionId, q: notice.itemSeq, k: notice.kind };
  return JSON.stringify(payload);
}

/** The notice in a NOTIFY payload, or null when the payload is not one. */
export function decodeBulkProgressNotice(payload: string): BulkProgressNotice | null {
  const parsed = payloadObject(payload);
  if (!parsed) return null;
  const { b, q, k } = parsed as Partial<NoticePayload>;
  if (typeof b !== 'string' || typeof q !== 'number' || !Number.isInteger(q) || q < 0 || (k !== 'ITEM' && k !== 'SUMMARY')) return null;
  return { bulkActionId: b, itemSeq: q, kind: k };
}
