import { randomUUID } from 'node:crypto';
import { applyReply, startSaga, type AnySagaDefinition, type SagaContext, type SagaRegistry } from '../../core';
import type { Logger } from '../../logger';
import type { Wire, WireMessage } from '../../messaging/contract';
import { sagaKeyText, type InboxClaim, type Metrics, type RawOutboxMessage, type SagaBusinessKey, type SagaTransaction, type StoredSaga, type TransportMessage } from '../ports';
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
  /** The registered sagas' contracts: which saga type and business key a message belongs to. */
  wire: Wire;
  triggers: Record<string, SagaTrigger>;
  logger: Logger;
  metrics: Metrics;
  clock: () => Date;
  deadLetters: DeadLetters;
}

/**
 * Applies messages to their sagas through the pure core, inside the caller's transaction: a
 * trigger starts a saga (one per saga type and business key), a reply moves its saga on; a
 * message no saga takes is dead-lettered with the reason.
 */
export class MessageApplier {
  constructor(private readonly deps: MessageApplierDeps) {}

  /**
   * Sagas are found by the envelope's sagaId, else by the business key the message's saga module
   * reads from it (e.g. the orderId); starts check that key has no saga yet.
   */
  needsKeyLookup(message: WireMessage): boolean {
    return !message.sagaId || !!this.deps.triggers[message.eventType];
  }

  /** The saga type and business key a message belongs to. */
  keyOf(message: WireMessage): SagaBusinessKey {
    return this.deps.wire.keyOf(message);
  }

  /** `prefetched`: what claimInboxAndLock already locked and looked up in this transaction. */
  async apply(
    tx: SagaTransaction, items: IncomingMessage[], deadLetters: RawOutboxMessage[],
    prefetched?: Pick<InboxClaim, 'locked' | 'sagaIdsByKey'>, actor?: string,
  ): Promise<Map<string, WorkingSaga>> {
    const ctx = sagaContext(this.deps.clock, true);
    const working = new Map<string, WorkingSaga>();
    const keys = items.map((i) => this.keyOf(i.message));
    const keyTexts = keys.map(sagaKeyText);
    const byKey = prefetched?.sagaIdsByKey ?? await tx.sagaIdsByKey(keys.filter((_, n) => this.needsKeyLookup(items[n].message)));
    const locked = prefetched?.locked ?? new Map<string, StoredSaga>();
    const sagaIds = items.map((i, n) => i.message.sagaId ?? byKey.get(keyTexts[n])).filter((id): id is string => !!id && !locked.has(id));
    for (const [id, stored] of await tx.lockSagas(sagaIds)) locked.set(id, stored);
    const startedByKey = new Map<string, string>();

    const scope: ApplyScope = { ctx, working, byKey, locked, startedByKey, deadLetters, actor };
    for (const [n, { raw, message }] of items.entries()) {
      // A manual start (no consumed message) is traced by the GraphQL operation's span instead.
      const span = actor ? undefined : messageSpan(raw, message);
      try {
        this.applyOne(raw, message, keys[n], keyTexts[n], span, scope);
      } finally {
        span?.end();
      }
    }
    return working;
  }

  /** Applies one message to its saga (or starts one) within `apply`. */
  private applyOne(
    raw: TransportMessage, message: WireMessage, { sagaType, businessKey }: SagaBusinessKey, keyText: string,
    span: ReturnType<typeof messageSpan>, { ctx, working, byKey, locked, startedByKey, deadLetters, actor }: ApplyScope,
  ): void {
    const trigger = this.deps.triggers[message.eventType];
    if (trigger) {
      if (byKey.has(keyText) || startedByKey.has(keyText)) {
        this.deps.logger.warn({ sagaType, businessKey, eventId: message.eventId }, 'business key already has a saga; start ignored');
        this.deps.metrics.duplicates.inc();
        return;
      }
      const sagaId = randomUUID();
      const trace = startTransition('saga start', sagaId, trigger.definition.name, incomingTraceparent(raw), span, actor);
      try {
        const transition = startSaga(trigger.definition, {
          sagaId, businessKey, data: trigger.data(message), causationId: message.eventId,
          correlationId: message.correlationId, traceparent: trace.traceparent,
        }, ctx);
        const w = newWorkingSaga(transition.state);
        recordTransition(w, transition, trace);
        working.set(sagaId, w);
        startedByKey.set(keyText, sagaId);
        endTransition(trace, w.state);
      } catch (error) {
        endTransition(trace, undefined, error);
        throw error;
      }
      return;
    }
    const sagaId = message.sagaId ?? byKey.get(keyText);
    const stored = sagaId ? locked.get(sagaId) : undefined;
    const w = sagaId ? working.get(sagaId) ?? (stored ? workingOf(stored) : undefined) : undefined;
    // The saga module names the key in its messages (e.g. orderId) and, in the dead letter, what it is of.
    const keyField = this.deps.wire.keyFieldOf(sagaType);
    if (!w) {
      deadLetters.push(this.deps.deadLetters.of(raw, `unknown saga: no saga ${sagaId ? `with id ${sagaId}` : `for ${keyName(keyField)} ${businessKey}`}`));
      return;
    }
    if (w.state.definitionName !== sagaType || w.state.businessKey !== businessKey) {
      deadLetters.push(this.deps.deadLetters.of(raw, `${keyField} ${businessKey} does not belong to saga ${w.state.id} (${keyName(keyField)} ${w.state.businessKey})`));
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
  byKey: Map<string, string>;
  locked: Map<string, StoredSaga>;
  startedByKey: Map<string, string>;
  deadLetters: RawOutboxMessage[];
  /** Set for a start by an operator (startSaga). */
  actor?: string;
}

/** What a key field names, for messages: `orderId` -> `order`. */
function keyName(field: string): string {
  return field.replace(/Id$/, '') || field;
}
