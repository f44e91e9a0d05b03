/**
 * The saga's durable state. Plain JSON (no Dates, no classes): the runtime stores it as JSONB
 * next to a few extracted columns (status, currentStep, timer.dueAtMs). Every instant is an
 * epoch-millisecond number named `...AtMs`; "absent" is `null`, never `undefined`, so a
 * JSON round trip gives back an equal value.
 */

/**
 * The statuses the engine itself knows, whatever the saga: in progress, completed, the ends of
 * compensation and of an operator's abort. Each definition adds the failure statuses its steps
 * end in (SagaDefinition.failureStatuses, e.g. PAYMENT_FAILED).
 */
export const BUILT_IN_STATUSES = [
  'RUNNING',
  'COMPENSATING',
  'COMPLETED',
  'COMPENSATED',
  'COMPENSATION_FAILED',
  'TIMED_OUT',
  'ABORTED',
] as const;
export type BuiltInStatus = (typeof BUILT_IN_STATUSES)[number];
/** A built-in status, or a failure status a definition declares. */
export type SagaStatus = BuiltInStatus | (string & {});

/** Terminal statuses that are not the end of a failure: success, and those waiting for an operator. */
const NOT_FAILED_ENDS: readonly string[] = ['COMPLETED', 'COMPENSATION_FAILED', 'ABORTED'];

/**
 * A status a saga ends in after failing and compensating (it still accepts late replies):
 * COMPENSATED, TIMED_OUT, or a failure status of its definition.
 */
export function isFailedEnd(status: SagaStatus): boolean {
  return isTerminal(status) && !NOT_FAILED_ENDS.includes(status);
}

/**
 * Every status sagas of these definitions can be in, each once: the built-in ones, with the
 * definitions' own failure statuses after COMPENSATION_FAILED (so an API enum reads in-progress,
 * outcomes, business failures, then TIMED_OUT and ABORTED).
 */
export function sagaStatuses(definitions: readonly { failureStatuses: readonly SagaStatus[] }[]): SagaStatus[] {
  const declared = definitions.flatMap((d) => d.failureStatuses).filter((s) => !(BUILT_IN_STATUSES as readonly string[]).includes(s));
  const split = BUILT_IN_STATUSES.indexOf('COMPENSATION_FAILED') + 1;
  return [...new Set<SagaStatus>([...BUILT_IN_STATUSES.slice(0, split), ...declared, ...BUILT_IN_STATUSES.slice(split)])];
}

/**
 * No more progress without an outside event: no timer is armed. COMPENSATION_FAILED and
 * ABORTED count as terminal but wait for an operator; late replies are still applied to
 * terminal sagas (a late payment must be refunded), so the runtime must not filter them out.
 */
export function isTerminal(status: SagaStatus): boolean {
  return status !== 'RUNNING' && status !== 'COMPENSATING';
}

export const STEP_STATUSES = [
  'PENDING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'COMPENSATING',
  'COMPENSATED',
  'SKIPPED',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** A command as sent, kept so a re-send repeats it exactly (same eventId, retryCount + 1). */
export interface SentCommand {
  eventId: string;
  topic: string;
  eventType: string;
  payload: Record<string, unknown>;
  causationId: string | null;
}

export interface StepState {
  name: string;
  status: StepStatus;
  /** Sends of the forward commands so far (1 after the first send). */
  attempts: number;
  compensationAttempts: number;
  lastError: string | null;
  startedAtMs: number | null;
  endedAtMs: number | null;
  compensationStartedAtMs: number | null;
  compensationEndedAtMs: number | null;
  /** Every eventId sent for this step (re-sends reuse them), for diagnostics and lookup. */
  commandEventIds: string[];
  compensationEventIds: string[];
  commands: SentCommand[];
  compensationCommands: SentCommand[];
  /** Replies already applied to this step, so a redelivered one is not applied twice. */
  replyEventIds: string[];
  /** It has effects that compensation must undo. */
  needsCompensation: boolean;
}

export type TimerPurpose = 'timeout' | 'retry';
export type SagaPhase = 'forward' | 'compensation';

/** The saga's one durable timer; the runtime indexes dueAtMs and calls fireTimer when due. */
export interface SagaTimer {
  dueAtMs: number;
  purpose: TimerPurpose;
  step: string;
  phase: SagaPhase;
  /** The attempt the timer belongs to (timeout of attempt n, or retry that starts attempt n). */
  attempt: number;
}

export type UnkeptEffectStatus = 'UNDOING' | 'UNDONE' | 'FAILED';

/**
 * An effect a participant reported that the saga does not keep (a second charge for one
 * command, a charge after its step gave up), and its undo. Tracked apart from the steps, so
 * undoing it never changes the saga's status; it has its own retries and timer.
 */
export interface UnkeptEffect {
  step: string;
  /** Identifies the effect within its step (e.g. the paymentId); reported twice, undone once. */
  key: string;
  /** The reply that reported it: the undo's causationId. */
  reportedBy: string;
  /** What the definition says about it, for operators (e.g. amount, paymentMethod). */
  detail: Record<string, unknown>;
  status: UnkeptEffectStatus;
  /** Sends of the undo commands so far. */
  attempts: number;
  commands: SentCommand[];
  timer: { dueAtMs: number; purpose: TimerPurpose } | null;
  startedAtMs: number;
  endedAtMs: number | null;
}

export interface SagaState<D> {
  id: string;
  definitionName: string;
  definitionVersion: number;
  /** What the saga is about, unique per saga type (e.g. the order id of an order saga). */
  businessKey: string;
  correlationId: string;
  status: SagaStatus;
  /** The status to end in once compensation is done (set when a step fails). */
  failureStatus: SagaStatus | null;
  failureReason: string | null;
  /** Forward phase: the step waiting for replies; compensation: the step being undone. */
  currentStep: string | null;
  data: D;
  steps: StepState[];
  timer: SagaTimer | null;
  /** onCompleted / onFailed messages were emitted; they are never emitted twice. */
  outcomeSent: boolean;
  startedAtMs: number;
  updatedAtMs: number;
  endedAtMs: number | null;
  lastError: string | null;
  warnings: string[];
  /** Unkept effects being or having been undone; absent on sagas stored before it existed. */
  unkept?: UnkeptEffect[];
  /**
   * The W3C `traceparent` the saga started in (or was given); the runtime puts it on every
   * message the saga sends. Opaque to the core; absent on sagas stored before it existed.
   */
  traceparent?: string;
}

export function stepState<D>(state: SagaState<D>, name: string): StepState | undefined {
  return state.steps.find((s) => s.name === name);
}

export function newStepState(name: string): StepState {
  return {
    name,
    status: 'PENDING',
    attempts: 0,
    compensationAttempts: 0,
    lastError: null,
    startedAtMs: null,
    endedAtMs: null,
    compensationStartedAtMs: null,
    compensationEndedAtMs: null,
    commandEventIds: [],
    compensationEventIds: [],
    commands: [],
    compensationCommands: [],
    replyEventIds: [],
    needsCompensation: false,
  };
}
