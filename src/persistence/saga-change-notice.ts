/**
 * The change notice: what a committing transaction announces for each saga it changed, and how
 * every instance reads it back. The saga writer NOTIFYs it on SAGA_CHANGES_CHANNEL inside its
 * transaction (saga-repository.ts), so PostgreSQL delivers it only after the commit and in
 * commit order; change-listener.ts decodes it and reads the announced changes for its subscribers.
 */
import { payloadObject } from './pg-channel';

/** PostgreSQL channel announcing committed saga changes to every instance. */
export const SAGA_CHANGES_CHANNEL = 'saga_changes';

/** One saga's committed change: its version after it and the sequence range of its new events. */
export interface SagaChangeNotice {
  sagaId: string;
  /** The saga row's version after the change. */
  version: number;
  /** Events with a sequence in (fromSeq, toSeq] are new. */
  fromSeq: number;
  toSeq: number;
}

/**
 * As sent: short keys, since every saga write of the hot path sends one. Instances of different
 * releases share the channel during a rolling deploy, so this shape only ever grows.
 */
interface NoticePayload { s: string; v: number; f: number; t: number }

export function encodeSagaChangeNotice(notice: SagaChangeNotice): string {
  const payload: NoticePayload = { s: notice.sagaId, v: notice.version, f: notice.fromSeq, t: notice.toSeq };
  return JSON.stringify(payload);
}

/** The notice in a NOTIFY payload, or null when the payload is not one. */
export function decodeSagaChangeNotice(payload: string): SagaChangeNotice | null {
  const parsed = payloadObject(payload);
  if (!parsed) return null;
  const { s, v, f, t } = parsed as Partial<NoticePayload>;
  if (typeof s !== 'string' || !isCount(v) || !isCount(f) || !isCount(t)) return null;
  return { sagaId: s, version: v, fromSeq: f, toSeq: t };
}

/**
 * Two notices of one saga as one: the later version and every new event of both, so a subscriber
 * never sees a state older than one already shown.
 */
export function mergeSagaChangeNotices(a: SagaChangeNotice, b: SagaChangeNotice): SagaChangeNotice {
  return { sagaId: a.sagaId, version: Math.max(a.version, b.version), fromSeq: Math.min(a.fromSeq, b.fromSeq), toSeq: Math.max(a.toSeq, b.toSeq) };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
