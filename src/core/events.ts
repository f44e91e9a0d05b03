/**
 * The saga's append-only history. The runtime persists each event with a per-saga sequence
 * number; operators read it to see what happened and why.
 */

export const SAGA_EVENT_TYPES = [
  'SAGA_STARTED',
  'STEP_STARTED',
  'COMMAND_SENT',
  'REPLY_RECEIVED',
  'STEP_SUCCEEDED',
  'STEP_FAILED',
  'STEP_SKIPPED',
  'TIMED_OUT',
  'RETRY_SCHEDULED',
  'COMPENSATION_STARTED',
  'COMPENSATION_STEP_STARTED',
  'COMPENSATION_STEP_DONE',
  'COMPENSATION_FAILED',
  'WARNING',
  'REPLY_IGNORED',
  'UNKEPT_EFFECT',
  'UNKEPT_EFFECT_UNDONE',
  'UNKEPT_EFFECT_UNDO_FAILED',
  'MANUAL_ACTION',
  'SAGA_COMPLETED',
  'SAGA_FAILED',
] as const;
export type SagaEventType = (typeof SAGA_EVENT_TYPES)[number];

/** Why a reply changed nothing. */
export type ReplyIgnoredWhy = 'duplicate' | 'unexpected type' | 'step not waiting' | 'late';

export interface SagaEvent {
  type: SagaEventType;
  step: string | null;
  detail: Record<string, unknown>;
  atMs: number;
}
