import { randomUUID } from 'node:crypto';
import { applyReply, startSaga, type AnySagaDefinition, type SagaContext, type SagaRegistry } from '../../core';
import type { Logger } from '../../logger';
import type { WireMessage } from '../../messaging/contract';
import type { InboxClaim, Metrics, RawOutboxMessage, SagaTransaction, StoredSaga, TransportMessage } from '../ports';
import { continueTransition, endTransition, incomingTraceparent, messageSpan, startTransition } from '../saga-tracing';
import type { DeadLetters } from './dead-letters';
import { definitionOf, sagaContext } from './saga-context';
import { newWorkingSaga, recordTransition, workingOf, type WorkingSaga } from './working-saga';

/** How a message that starts a saga maps to a definition and its data (e.g. OrderCreated). */
export interface SagaTrigger {
  definition: AnySagaDefinition;
  data(message: WireMessage): unknown;
}

/** A message to apply: as received (for its dead letter and trace) and as parsed. */
export interface IncomingMessage {
  raw: TransportMessage;
  message: WireMessage;
}

export interface MessageApplierDeps {
  registry: SagaRegistry;
  triggers: Record<string, SagaTrigger>;
  logger: Logger;
  metrics: Metrics;
  clock: () => Date;
  deadLetters: DeadLetters;
}

/**
 * Applies messages to their sagas through the pure core, inside the caller's transaction: a
 * trigger starts a saga (one per order), a reply moves its saga on; a message no saga takes is
 * dead-lettered with the reason.
 */
export class MessageApplier {
  constructor(private readonly deps: MessageApplierDeps) {}

  /** Sagas are found by the envelope's sagaId, else by orderId (one saga per order); starts check the order. */
  needsOrderLookup(message: WireMessage): boolean {
    return !message.sagaId || !!this.deps.triggers[message.eventType];
  }

  /** `prefetched`: what claimInboxAndLock already locked and looked up in this transaction. */
  async apply(
    tx: SagaTransaction, items: IncomingMessage[], deadLetters: RawOutboxMessage[],
    prefetched?: Pick<InboxClaim, 'locked' | 'sagaIdsByOrder'>, actor?: string,
  ): Promise<Map<string, WorkingSaga>> {
    const ctx = sagaContext(this.deps.clock, true);
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
    raw: TransportMessage, message: WireMessage, span: ReturnType<typeof messageSpan>,
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
        const w = newWorkingSaga(transition.state);
        recordTransition(w, transition, trace);
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
    const w = sagaId ? working.get(sagaId) ?? (stored ? workingOf(stored) : undefined) : undefined;
    if (!w) {
      deadLetters.push(this.deps.deadLetters.of(raw, `unknown saga: no saga ${sagaId ? `with id ${sagaId}` : `for order ${message.orderId}`}`));
      return;
    }
    if (w.state.orderId !== message.orderId) {
      deadLetters.push(this.deps.deadLetters.of(raw, `orderId ${message.orderId} does not belong to saga ${w.state.id} (order ${w.state.orderId})`));
      return;
    }
    const trace = continueTransition(`saga reply ${message.eventType}`, w.state, { raw, span });
    try {
      const reply = { eventId: message.eventId, eventType: message.eventType, payload: message as Record<string, unknown> };
      recordTransition(w, applyReply(definitionOf(this.deps.registry, w.state), w.state, reply, ctx), trace);
      endTransition(trace, w.state);
    } catch (error) {
      endTransition(trace, undefined, error);
      throw error;
    }
    working.set(w.state.id, w);
  }
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
