import { randomUUID } from 'node:crypto';
import {
  applyReply, fireTimer, startSaga, type AnySagaDefinition, type SagaContext, type SagaRegistry, type SagaTransition,
} from '../core';
import type { Logger } from '../logger';
import { parseIncoming, payloadFingerprint, type ContractMessage } from '../messaging/contract';
import { deadLetterRecord, encodeDeadLetter } from '../messaging/dead-letter';
import { receivedMessage, type TransportMessage } from './ports';
import { InvalidCommandError, assertOutgoingValid, outgoingProblem } from '../messaging/outgoing-check';
import { ManualActionError, applyManualAction, requestFingerprint, reusedKey, sameRequest, type ManualActionRequest } from './manual-actions';
import { commitIsolating, isDataError, refusalText } from './batch-isolation';
import { batchSpan, continueTransition, endTransition, incomingTraceparent, messageSpan, startTransition, traceOutbox, type TransitionTrace } from './saga-tracing';
import type { AnySagaState, InboxClaim, ManualActionRecord, RawOutboxMessage, SagaTransaction, SagaStore, SagaWrite, StoredSaga, WrittenOutboxMessage } from './ports';
import type { Metrics } from './ports';

/** How a message that starts a saga maps to a definition and its data (e.g. OrderCreated). */
export interface SagaTrigger {
  definition: AnySagaDefinition;
  data(message: ContractMessage): unknown;
}

export interface SagaProcessorDeps {
  store: SagaStore;
  registry: SagaRegistry;
  triggers: Record<string, SagaTrigger>;
  logger: Logger;
  metrics: Metrics;
  /** Called after each commit that wrote outbox rows, with those rows (for the relay to publish now). */
  onCommitted(outbox: WrittenOutboxMessage[]): void;
  /** Transactions of grouped batches at once: one runs while the next is built and sent (default 2). */
  groupTransactions?: number;
  clock?: () => Date;
}

/** A saga being changed inside one transaction: what was read, and every transition since. */
interface WorkingSaga {
  stored: StoredSaga | null;
  state: AnySagaState;
  events: SagaTransition<unknown>['events'];
  outbox: SagaTransition<unknown>['outbox'];
  actor: string;
  /** Each step's row columns as read (stepSignature), to rewrite only the rows that changed; null for a new saga. */
  stepsAsRead: string[] | null;
}

/** The saga_step columns of one step, as one comparable string. */
function stepSignature(step: AnySagaState['steps'][number]): string {
  return `${step.status}|${step.attempts}|${step.compensationAttempts}|${step.lastError}|${step.startedAtMs}|${step.endedAtMs ?? step.compensationEndedAtMs}`;
}

/**
 * Applies consumed messages and due timers to sagas through the pure core, and persists the
 * result with its outgoing messages in one transaction per batch (transactional outbox). The
 * inbox makes a redelivered message a no-op; row locks make one saga's messages apply one at a
 * time; anything that cannot be applied goes to the dead-letter topic with its reason.
 */
export class SagaProcessor {
  private readonly clock: () => Date;

  constructor(private readonly deps: SagaProcessorDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /**
   * `handsOverState`: the engine may change the states it is given in place instead of copying
   * them; set where the states are ours alone (just read from the database, or built here) and
   * a failure rolls the whole transaction back, so a half-changed state is never kept.
   */
  private context(handsOverState = false): SagaContext {
    return { now: this.clock(), newId: randomUUID, random: Math.random, handsOverState };
  }

  /**
   * Handles one consumed batch; throws (so the batch is redelivered) only if the commit fails.
   *
   * Group commit: batches that arrive while a transaction runs (the consumer hands several
   * partitions' batches at once) wait, and the next transaction applies them all together; each
   * caller's promise settles after that one commit, so its offsets are resolved only then.
   */
  handleBatch(messages: TransportMessage[]): Promise<void> {
    const span = batchSpan(messages);
    const done = new Promise<void>((resolve, reject) => {
      this.waiting.push({ messages, resolve, reject });
      if (this.groupsRunning < (this.deps.groupTransactions ?? 2)) void this.commitGroups();
    });
    if (!span) return done;
    return done.then(() => span.end(), (error: unknown) => {
      span.setStatus({ code: 2, message: error instanceof Error ? error.message : String(error) });
      span.end();
      throw error;
    });
  }

  private readonly waiting: { messages: TransportMessage[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private groupsRunning = 0;
  private readonly maxGroupMessages = 2000;

  private async commitGroups(): Promise<void> {
    this.groupsRunning += 1;
    try {
      while (this.waiting.length > 0) {
        let count = 0;
        let take = 0;
        while (take < this.waiting.length && (take === 0 || count + this.waiting[take].messages.length <= this.maxGroupMessages)) {
          count += this.waiting[take].messages.length;
          take += 1;
        }
        const group = this.waiting.splice(0, take);
        try {
          await this.applyBatch(group.length === 1 ? group[0].messages : group.flatMap((g) => g.messages));
          for (const g of group) g.resolve();
        } catch (error) {
          if (!isRefusal(error)) {
            for (const g of group) g.reject(error);
            continue;
          }
          // Something in the group was refused (by the database, or a command the contract
          // refuses): each caller's batch (one partition's) commits apart, isolating the refused
          // messages, so the others are not held back.
          for (const g of group) {
            try {
              await commitIsolating(g.messages, this.isolation, group.length === 1 ? error : undefined);
              g.resolve();
            } catch (failure) {
              g.reject(failure);
            }
          }
        }
      }
    } finally {
      this.groupsRunning -= 1;
    }
  }

  private readonly isolation = {
    commit: (messages: TransportMessage[]) => this.applyBatch(messages),
    refuse: (message: TransportMessage, error: unknown) => this.deadLetterAlone(message, error instanceof InvalidCommandError ? error.message : refusalText(error)),
    isRefusal,
  };

  /** Dead-letters one message the database refused, in a transaction of its own. */
  private async deadLetterAlone(message: TransportMessage, error: string): Promise<void> {
    const written = await this.deps.store.inTransaction((tx) => tx.enqueueDeadLetters([this.deadLetter(message, error)]));
    this.deps.metrics.deadLetters.inc(written.length);
    this.deps.logger.warn({ topic: message.topic, partition: message.partition, offset: message.offset, key: message.key, error }, 'message refused by the database, sent to the dead-letter topic');
    this.committed({ writes: [], outbox: written });
  }

  private async applyBatch(messages: TransportMessage[]): Promise<void> {
    const deadLetters: RawOutboxMessage[] = [];
    const valid: { raw: TransportMessage; message: ContractMessage }[] = [];
    for (const raw of messages) {
      const parsed = parseIncoming(raw.topic, raw.value);
      if (parsed.ok) valid.push({ raw, message: parsed.message });
      else deadLetters.push(this.deadLetter(raw, parsed.error));
    }
    let duplicates = 0;
    let conflicts = 0;
    const committed = await this.deps.store.inTransaction(async (tx) => {
      duplicates = 0;
      conflicts = 0;
      // In the inbox's round trip: lock the sagas replies name, look up the orders the rest name.
      const sagaIds: string[] = [];
      const orderIds: string[] = [];
      for (const { message } of valid) {
        if (this.needsOrderLookup(message)) orderIds.push(message.orderId);
        else sagaIds.push(message.sagaId!);
      }
      const hashes = valid.map((v) => payloadFingerprint(v.message));
      const { fresh, storedHashes, locked, sagaIdsByOrder } = await tx.claimInboxAndLock(
        valid.map((v, i) => ({ eventId: v.message.eventId, topic: v.raw.topic, payloadHash: hashes[i] })), sagaIds, orderIds,
      );
      // First copy of each new eventId only: a batch can hold the same message twice.
      const toApply: typeof valid = [];
      const appliedHash = new Map<string, string>();
      for (const [i, v] of valid.entries()) {
        const { eventId } = v.message;
        if (fresh.delete(eventId)) {
          toApply.push(v);
          appliedHash.set(eventId, hashes[i]);
        } else if ((storedHashes.get(eventId) ?? appliedHash.get(eventId) ?? hashes[i]) !== hashes[i]) {
          conflicts += 1;
          deadLetters.push(this.deadLetter(v.raw, `eventId reused with a different payload: ${eventId} was consumed before with other content; this message is not applied`));
        } else {
          duplicates += 1;
          this.deps.logger.debug({ eventId, sagaId: v.message.sagaId, orderId: v.message.orderId }, 'duplicate message ignored');
        }
      }
      const working = await this.apply(tx, toApply, deadLetters, { locked, sagaIdsByOrder });
      const written = await this.persist(tx, working);
      const letters = await tx.enqueueDeadLetters(deadLetters);
      written.outbox.push(...letters);
      return { ...written, deadLettered: letters.length };
    });
    this.deps.metrics.duplicates.inc(duplicates);
    this.deps.metrics.conflicts.inc(conflicts);
    this.deps.metrics.deadLetters.inc(committed.deadLettered);
    this.deps.metrics.messagesApplied.inc(valid.length);
    if (committed.deadLettered < deadLetters.length) this.deps.logger.debug({ count: deadLetters.length - committed.deadLettered }, 'redelivered messages already dead-lettered');
    for (const d of committed.outbox.slice(committed.outbox.length - committed.deadLettered)) {
      this.deps.logger.warn({ topic: d.topic, key: d.key, error: d.headers?.['x-dlq-error'] }, 'message sent to the dead-letter topic');
    }
    this.committed(committed);
  }

  /** Fires the timers that are due (timeouts, retry back-off); returns how many fired. */
  async fireDueTimers(limit = 200): Promise<number> {
    const ctx = this.context(true);
    const written = await this.deps.store.inTransaction(async (tx) => {
      const due = await tx.lockDueTimers(ctx.now, limit);
      const working = new Map<string, WorkingSaga>();
      for (const stored of due) {
        const w = this.workingOf(stored);
        const trace = continueTransition('saga timer', w.state);
        const transition = fireTimer(this.definitionOf(w.state), w.state, ctx);
        // One saga whose re-send the contract refuses (stored before the check) must not stop every other timer.
        const refused = transition.outbox.map(outgoingProblem).filter((p) => p !== null);
        if (refused.length > 0) {
          this.deps.logger.error({ sagaId: stored.state.id, orderId: stored.state.orderId, problems: refused }, 'timer would send a command the contract refuses; saga left as it was');
          endTransition(trace, undefined, 'refused command');
          continue;
        }
        this.step(w, transition, trace);
        endTransition(trace, w.state);
        working.set(w.state.id, w);
      }
      return this.persist(tx, working);
    });
    this.committed(written);
    return written.writes.length;
  }

  /**
   * Runs an operator's action on one saga. The saga row is locked first, so the action and any
   * reply for the same saga apply one after the other, never interleaved; the idempotency key
   * makes a repeated request return the saga as the first one left it.
   */
  async runManualAction(request: ManualActionRequest): Promise<{ sagaId: string; replayed: boolean }> {
    const ctx = this.context();
    const fingerprint = requestFingerprint(request);
    const { written, replayed } = await this.deps.store.inTransaction(async (tx) => {
      const stored = (await tx.lockSagas([request.sagaId])).get(request.sagaId);
      if (!stored) throw new ManualActionError('NOT_FOUND', `no saga with id ${request.sagaId}`);
      const replay = await this.claimKey(tx, {
        idempotencyKey: request.idempotencyKey, sagaId: request.sagaId, action: request.action, actor: request.actor,
        roles: request.roles, reason: request.reason, request: fingerprint,
        stateBefore: { status: stored.state.status, currentStep: stored.state.currentStep, version: stored.version },
      });
      if (replay) return { written: NOTHING_WRITTEN, replayed: true };
      // The caller's checks on the locked saga: permissions, an expected version (plan token).
      const def = this.definitionOf(stored.state);
      const refused = request.guard?.(def, stored.state, stored.version);
      if (refused) throw refused;
      const trace = continueTransition(`saga manual ${request.action}`, stored.state, undefined, request.actor, request.traceparent);
      trace.span?.setAttributes({ 'saga.manual.action': request.action, ...(request.step ? { 'saga.step': request.step } : {}) });
      const result = applyManualAction(def, stored.state, request, ctx);
      if (!result.ok) {
        endTransition(trace, undefined, result.message);
        throw new ManualActionError(result.code, result.message, { status: stored.state.status, currentStep: stored.state.currentStep });
      }
      const w = this.workingOf(stored);
      w.actor = request.actor;
      this.step(w, result, trace);
      endTransition(trace, w.state);
      return { written: await this.persist(tx, new Map([[w.state.id, w]])), replayed: false };
    }).catch(refusedCommand);
    this.committed(written);
    if (!replayed) this.deps.logger.info({ sagaId: request.sagaId, action: request.action, actor: request.actor, reason: request.reason }, 'manual action');
    return { sagaId: request.sagaId, replayed };
  }

  /** Starts a saga from a trigger message given by an operator (startSaga), idempotently. */
  async startManually(
    message: ContractMessage,
    operator: {
      actor: string; roles: string[]; idempotencyKey: string; reason: string | null; request: Record<string, unknown>;
      /** The request's trace context (the GraphQL operation's span, or the caller's `traceparent`). */
      traceparent?: string;
    },
  ): Promise<{ sagaId: string; replayed: boolean }> {
    // The client's request, not the message built from it (which has fresh ids every time).
    const fingerprint = { action: 'start', request: operator.request };
    const { written, sagaId, replayed } = await this.deps.store.inTransaction(async (tx) => {
      const existing = (await tx.sagaIdsByOrder([message.orderId])).get(message.orderId);
      const deadLetters: RawOutboxMessage[] = [];
      const raw = receivedMessage('manual', -1, '-1', Buffer.from(message.orderId), null, operator.traceparent ? { traceparent: [Buffer.from(operator.traceparent)] } : {});
      const working = existing ? new Map<string, WorkingSaga>() : await this.apply(tx, [{ raw, message }], deadLetters, undefined, operator.actor);
      const started = [...working.values()][0];
      const replay = await this.claimKey(tx, {
        idempotencyKey: operator.idempotencyKey, sagaId: started?.state.id ?? existing!, action: 'start', actor: operator.actor,
        roles: operator.roles, reason: operator.reason, request: fingerprint, stateBefore: null,
      });
      // The first request's transaction committed; this one rolls back what it just built.
      if (replay) throw new ReplayedStart(replay);
      if (existing) throw new ManualActionError('INVALID_STATE', `order ${message.orderId} already has saga ${existing}`, { sagaId: existing });
      started.actor = operator.actor;
      return { written: await this.persist(tx, working), sagaId: started.state.id, replayed: false };
    }).catch((error) => {
      if (error instanceof ReplayedStart) return { written: NOTHING_WRITTEN, sagaId: error.sagaId, replayed: true };
      return refusedCommand(error);
    });
    this.committed(written);
    return { sagaId, replayed };
  }

  /**
   * Records a manual action under its idempotency key. Returns null when this request is the
   * first; the saga id of the earlier identical request otherwise; a different request under a
   * used key is refused.
   */
  private async claimKey(tx: SagaTransaction, record: ManualActionRecord): Promise<string | null> {
    const prior = await tx.claimManualAction(record);
    if (!prior) return null;
    if (!sameRequest(prior.request, record.request)) throw reusedKey(record.idempotencyKey);
    return prior.sagaId;
  }

  /** Sagas are found by the envelope's sagaId, else by orderId (one saga per order); starts check the order. */
  private needsOrderLookup(message: ContractMessage): boolean {
    return !message.sagaId || !!this.deps.triggers[message.eventType];
  }

  /** `prefetched`: what claimInboxAndLock already locked and looked up in this transaction. */
  private async apply(
    tx: SagaTransaction, items: { raw: TransportMessage; message: ContractMessage }[], deadLetters: RawOutboxMessage[],
    prefetched?: Pick<InboxClaim, 'locked' | 'sagaIdsByOrder'>, actor?: string,
  ): Promise<Map<string, WorkingSaga>> {
    const ctx = this.context(true);
    const working = new Map<string, WorkingSaga>();
    const byOrder = prefetched?.sagaIdsByOrder ?? await tx.sagaIdsByOrder(items.filter((i) => this.needsOrderLookup(i.message)).map((i) => i.message.orderId));
    const locked = prefetched?.locked ?? new Map<string, StoredSaga>();
    const sagaIds = items.map((i) => i.message.sagaId ?? byOrder.get(i.message.orderId)).filter((id): id is string => !!id && !locked.has(id));
    for (const [id, stored] of await tx.lockSagas(sagaIds)) locked.set(id, stored);
    const startedByOrder = new Map<string, string>();

    const scope: ApplyScope = { ctx, working, byOrder, locked, startedByOrder, deadLetters, actor };
    for (const { raw, message } of items) {
      // A manual start (no consumed message) is traced by the GraphQL operation's span instead.
      const span = actor ? undefined : messageSpan(raw, message);
      try {
        this.applyOne(raw, message, span, scope);
      } finally {
        span?.end();
      }
    }
    return working;
  }

  /** Applies one message to its saga (or starts one) within `apply`. */
  private applyOne(
    raw: TransportMessage, message: ContractMessage, span: ReturnType<typeof messageSpan>,
    { ctx, working, byOrder, locked, startedByOrder, deadLetters, actor }: ApplyScope,
  ): void {
    const trigger = this.deps.triggers[message.eventType];
    if (trigger) {
      if (byOrder.has(message.orderId) || startedByOrder.has(message.orderId)) {
        this.deps.logger.warn({ orderId: message.orderId, eventId: message.eventId }, 'order already has a saga; start ignored');
        this.deps.metrics.duplicates.inc();
        return;
      }
      const sagaId = randomUUID();
      const trace = startTransition('saga start', sagaId, trigger.definition.name, incomingTraceparent(raw), span, actor);
      try {
        const transition = startSaga(trigger.definition, {
          sagaId, orderId: message.orderId, data: trigger.data(message), causationId: message.eventId,
          correlationId: message.correlationId, traceparent: trace.traceparent,
        }, ctx);
        const w: WorkingSaga = { stored: null, state: transition.state, events: [], outbox: [], actor: 'system', stepsAsRead: null };
        this.step(w, transition, trace);
        working.set(sagaId, w);
        startedByOrder.set(message.orderId, sagaId);
        endTransition(trace, w.state);
      } catch (error) {
        endTransition(trace, undefined, error);
        throw error;
      }
      return;
    }
    const sagaId = message.sagaId ?? byOrder.get(message.orderId);
    const stored = sagaId ? locked.get(sagaId) : undefined;
    const w = sagaId ? working.get(sagaId) ?? (stored ? this.workingOf(stored) : undefined) : undefined;
    if (!w) {
      deadLetters.push(this.deadLetter(raw, `unknown saga: no saga ${sagaId ? `with id ${sagaId}` : `for order ${message.orderId}`}`));
      return;
    }
    if (w.state.orderId !== message.orderId) {
      deadLetters.push(this.deadLetter(raw, `orderId ${message.orderId} does not belong to saga ${w.state.id} (order ${w.state.orderId})`));
      return;
    }
    const trace = continueTransition(`saga reply ${message.eventType}`, w.state, { raw, span });
    try {
      this.step(w, applyReply(this.definitionOf(w.state), w.state, { eventId: message.eventId, eventType: message.eventType, payload: message as Record<string, unknown> }, ctx), trace);
      endTransition(trace, w.state);
    } catch (error) {
      endTransition(trace, undefined, error);
      throw error;
    }
    working.set(w.state.id, w);
  }

  private workingOf(stored: StoredSaga): WorkingSaga {
    return { stored, state: stored.state, events: [], outbox: [], actor: 'system', stepsAsRead: stored.state.steps.map(stepSignature) };
  }

  private step(w: WorkingSaga, transition: SagaTransition<unknown>, trace: TransitionTrace): void {
    traceOutbox(trace, transition.state, transition.outbox);
    w.state = transition.state;
    w.events.push(...transition.events);
    w.outbox.push(...transition.outbox);
  }

  private definitionOf(state: AnySagaState): AnySagaDefinition {
    const def = this.deps.registry.get(state.definitionName, state.definitionVersion);
    // A saga keeps the definition version it started with; removing a version still in use is a deploy error.
    if (!def) throw new Error(`saga ${state.id}: definition ${state.definitionName}@${state.definitionVersion} is not registered`);
    return def;
  }

  private async persist(tx: SagaTransaction, working: Map<string, WorkingSaga>): Promise<Written> {
    for (const w of working.values()) assertOutgoingValid(w.state.id, w.outbox);
    // A transition with no events changed nothing (e.g. a reply the engine ignored silently).
    const writes: SagaWrite[] = [...working.values()].filter((w) => w.events.length > 0 || !w.stored).map((w) => ({
      state: w.state,
      previousVersion: w.stored?.version ?? null,
      previousEventSeq: w.stored?.eventSeq ?? 0,
      events: w.events,
      outbox: w.outbox,
      actor: w.actor,
      changedSteps: w.stepsAsRead === null ? undefined
        : w.state.steps.flatMap((step, i) => (stepSignature(step) === w.stepsAsRead![i] ? [] : [i])),
    }));
    return { writes, outbox: await tx.write(writes) };
  }

  private committed({ writes, outbox }: Written): void {
    for (const w of writes) {
      if (w.state.endedAtMs !== null && w.events.some((e) => e.type === 'SAGA_COMPLETED' || e.type === 'SAGA_FAILED')) {
        this.deps.metrics.sagasEnded.inc({ status: w.state.status });
        this.deps.logger.info({ sagaId: w.state.id, orderId: w.state.orderId, status: w.state.status, reason: w.state.failureReason ?? undefined }, 'saga ended');
        this.deps.metrics.sagaDuration.observe((w.state.endedAtMs - w.state.startedAtMs) / 1000);
      }
    }
    if (outbox.length > 0) this.deps.onCommitted(outbox);
  }

  /** The dead letter of a message (messaging/dead-letter.ts): its id is fixed by topic, partition and offset. */
  private deadLetter(raw: TransportMessage, error: string): RawOutboxMessage {
    return encodeDeadLetter(deadLetterRecord(raw, error, this.clock()));
  }
}

/**
 * Failures that are the messages' own fault, so the same message fails the same way every time:
 * the database refusing its data, or a saga it drives producing a command the contract refuses.
 */
function isRefusal(error: unknown): boolean {
  return isDataError(error) || error instanceof InvalidCommandError;
}

/** What `apply` shares with each `applyOne`: built once per batch, not per message. */
interface ApplyScope {
  ctx: SagaContext;
  working: Map<string, WorkingSaga>;
  byOrder: Map<string, string>;
  locked: Map<string, StoredSaga>;
  startedByOrder: Map<string, string>;
  deadLetters: RawOutboxMessage[];
  /** Set for a start by an operator (startSaga). */
  actor?: string;
}

/** What one transaction wrote: the sagas, and the outbox rows to publish after the commit. */
interface Written {
  writes: SagaWrite[];
  outbox: WrittenOutboxMessage[];
}

const NOTHING_WRITTEN: Written = { writes: [], outbox: [] };

/** A manual action that would send a command the contract refuses: refused with its code, nothing written. */
function refusedCommand(error: unknown): never {
  if (error instanceof InvalidCommandError) throw new ManualActionError(error.code, error.message, { problems: error.problems });
  throw error;
}

/** Unwinds the transaction of a start that an earlier request with the same key already did. */
class ReplayedStart extends Error {
  constructor(readonly sagaId: string) {
    super('replayed start');
  }
}
