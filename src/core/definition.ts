/**
 * A saga definition is data (Eventuate style): ordered steps, each with the commands it sends,
 * the replies it understands and how to undo it. The engine interprets it; definitions never
 * touch state, time or transport, so they read like the business flow and test without mocks.
 */
import type { SagaStatus } from './state';

/** A message to send, before the engine wraps it in the envelope. */
export interface CommandSpec {
  topic: string;
  eventType: string;
  /** Fields beyond the envelope. */
  payload: Record<string, unknown>;
}

/** A reply as the runtime hands it to the engine: the whole validated message object. */
export interface IncomingReply {
  eventId: string;
  eventType: string;
  payload: Record<string, unknown>;
}

export type ReplyOutcome<D> =
  /** The step is done. `warning` is recorded on the saga (e.g. coupon rejected, paying full). */
  | { kind: 'succeeded'; data: D; warning?: string }
  /**
   * The step failed. `compensateSelf`: it had partial effects that must be undone too
   * (a split payment where some parts were charged).
   */
  | { kind: 'failed'; reason: string; data?: D; compensateSelf?: boolean }
  /** Not done yet: keep waiting for more replies (multi-reply steps). */
  | { kind: 'pending'; data: D };

export type ReplyHandler<D> = (data: D, reply: Record<string, unknown>) => ReplyOutcome<D>;
export type CompensationReplyHandler<D> = (data: D, reply: Record<string, unknown>) => { done: boolean; data: D };

/** Why compensation runs, for commands that carry a reason. */
export interface CompensationContext {
  status: SagaStatus;
  reason: string;
}

export interface RetryPolicy {
  /** Total sends including the first one. */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
  /** 0..1: the back-off is reduced by up to this fraction at random, to spread retries. */
  jitter: number;
}

export interface CompensationDefinition<D> {
  /** Whether there is anything to undo for this data (e.g. only if the coupon was applied). */
  when?(data: D): boolean;
  commands(data: D, context: CompensationContext): CommandSpec[];
  /** Empty map: the compensation is done as soon as its commands are sent. */
  replies: Record<string, CompensationReplyHandler<D>>;
  /** Defaults to the step's own retry policy and timeout. */
  retry?: RetryPolicy;
  timeoutMs?: number;
}

/** An effect a reply reports, found by UnkeptEffectsDefinition.find. */
export interface ReportedEffect {
  key: string;
  detail: Record<string, unknown>;
}

/**
 * How a step recognises and undoes effects the saga does not keep: a reply (late, repeated, or
 * for a step that is no longer waiting) that reports effects the saga's data does not hold, e.g.
 * a second charge. The engine tracks each by key and undoes it once, retried like a compensation,
 * whatever the saga's status, without changing that status.
 */
export interface UnkeptEffectsDefinition<D> {
  /** The effects this reply reports that `data` does not keep; empty when it took none. */
  find(data: D, reply: Record<string, unknown>): ReportedEffect[];
  /** The commands that undo one effect. */
  undo(effect: ReportedEffect, reason: string): CommandSpec[];
  /** Replies confirming an undo, by eventType: each returns the key it confirms, or null. */
  replies: Record<string, (reply: Record<string, unknown>) => string | null>;
  /** Default to the step's compensation's (or the step's) retry policy and timeout. */
  retry?: RetryPolicy;
  timeoutMs?: number;
}

export interface StepDefinition<D> {
  name: string;
  /** The participant service, e.g. 'Product'; for display and diagnostics. */
  participant: string;
  description: string;
  /** Optional step: when false the step is SKIPPED (e.g. no coupon code). */
  when?(data: D): boolean;
  invoke(data: D): CommandSpec[];
  /** Empty map: the step succeeds as soon as its commands are sent. */
  replies: Record<string, ReplyHandler<D>>;
  compensation?: CompensationDefinition<D>;
  /** Effects a reply reports that the saga does not keep, and how to undo them (e.g. refund a second charge). */
  unkept?: UnkeptEffectsDefinition<D>;
  retry: RetryPolicy;
  /** How long to wait for a reply per attempt. */
  timeoutMs: number;
  /** The saga's final status when this step fails (TIMED_OUT when it times out). */
  failureStatus: SagaStatus;
  /** May an operator skip it (skipStep)? */
  skippable: boolean;
  /**
   * JSON Schema of what an operator supplies when skipping: only what the step produces
   * (`properties`; nothing else is accepted), `required` fields, types and formats.
   */
  outputSchema?: Record<string, unknown>;
  /**
   * Turns a skip's output (already checked against outputSchema) into saga data, refusing what
   * the business rules forbid with one problem per field (`field: why`). Unset: the declared
   * fields are merged as given.
   */
  applySkipOutput?(data: D, output: Record<string, unknown>): { data: D } | { problems: string[] };
  /**
   * Who may act on this step by hand (retry, re-send, skip; compensate for `compensation`), besides
   * admins. Unset: operators. E.g. inventory steps also allow `support`; undoing a payment
   * (a refund) only `finance`.
   */
  operatorRoles?: { forward?: string[]; compensation?: string[] };
}

export interface SagaDefinition<D> {
  name: string;
  version: number;
  /** The envelope field of its messages that carries the saga's business key (e.g. `orderId`). */
  businessKeyField: string;
  steps: StepDefinition<D>[];
  /** Sent when every step succeeded (e.g. OrderApproved). */
  onCompleted(data: D): CommandSpec[];
  /** Sent once when the saga ends failed after compensating (e.g. OrderCancelled). */
  onFailed(data: D, finalStatus: SagaStatus, reason: string): CommandSpec[];
  /** The statuses this saga may end in besides COMPLETED (for docs and API enums). */
  failureStatuses: SagaStatus[];
  /**
   * Keys of this saga's personal data (e.g. `customerId`), in its data, its steps' outputs and
   * the payloads of its messages and events, matched at any depth and without case. Readers
   * without the right to see them (the `analyst` role) get them masked, on top of a default list
   * of common personal keys (see core/personal-data.ts).
   */
  personalFields?: readonly string[];
  /**
   * The configuration this definition's functions close over (e.g. the order saga's coupon
   * policy), as JSON data. Part of its fingerprint (core/fingerprint.ts): a setting that changes
   * behaviour but lives only inside a function must be listed here to be noticed.
   */
  settings?: Readonly<Record<string, unknown>>;
}

/** Injected side effects, so every engine function is deterministic under test. */
export interface SagaContext {
  now: Date;
  newId(): string;
  random(): number;
  /**
   * true: the caller hands the state over to the engine function, which may then change the
   * object passed in (and what it references) instead of working on a private copy. Only for a
   * caller that drops its reference to the old state (the runtime, on states it has just read).
   * Default: the engine copies, and the state passed in is never modified.
   */
  handsOverState?: boolean;
}

export function findStep<D>(def: SagaDefinition<D>, name: string): StepDefinition<D> | undefined {
  return def.steps.find((s) => s.name === name);
}
