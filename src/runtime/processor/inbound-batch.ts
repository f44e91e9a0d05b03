import type { Logger } from '../../logger';
import { payloadFingerprint, type Wire } from '../../messaging/contract';
import type { Metrics, RawOutboxMessage, SagaBusinessKey, SagaStore, TransportMessage } from '../ports';
import type { IncomingMessage, MessageApplier } from './apply-messages';
import type { DeadLetters } from './dead-letters';
import type { SagaWrites } from './saga-writes';

export interface InboundBatchDeps {
  /** The registered sagas' contracts: what a consumed message is parsed against. */
  wire: Wire;
  store: SagaStore;
  logger: Logger;
  metrics: Metrics;
  applier: MessageApplier;
  writes: SagaWrites;
  deadLetters: DeadLetters;
}

/**
 * The inbound pipeline for consumed messages, in one transaction: parse each at the edge (what
 * does not parse is dead-lettered), claim the eventIds in the inbox (a repeat is a duplicate,
 * dropped, or a conflict, dead-lettered), apply the fresh ones to their sagas, and write the sagas,
 * their outbox messages and the dead letters together.
 */
export class InboundBatch {
  constructor(private readonly deps: InboundBatchDeps) {}

  async apply(messages: TransportMessage[]): Promise<void> {
    const { applier, deadLetters: letters } = this.deps;
    const deadLetters: RawOutboxMessage[] = [];
    const valid: IncomingMessage[] = [];
    for (const raw of messages) {
      const parsed = this.deps.wire.parse(raw.topic, raw.value);
      if (parsed.ok) valid.push({ raw, message: parsed.message });
      else deadLetters.push(letters.of(raw, parsed.error));
    }
    let duplicates = 0;
    let conflicts = 0;
    const committed = await this.deps.store.inTransaction(async (tx) => {
      duplicates = 0;
      conflicts = 0;
      // In the inbox's round trip: lock the sagas replies name, look up the business keys the rest name.
      const sagaIds: string[] = [];
      const keys: SagaBusinessKey[] = [];
      for (const { message } of valid) {
        if (applier.needsKeyLookup(message)) keys.push(applier.keyOf(message));
        else sagaIds.push(message.sagaId!);
      }
      const hashes = valid.map((v) => payloadFingerprint(v.message));
      const { fresh, storedHashes, locked, sagaIdsByKey } = await tx.claimInboxAndLock(
        valid.map((v, i) => ({ eventId: v.message.eventId, topic: v.raw.topic, payloadHash: hashes[i] })), sagaIds, keys,
      );
      // First copy of each new eventId only: a batch can hold the same message twice.
      const toApply: IncomingMessage[] = [];
      const appliedHash = new Map<string, string>();
      for (const [i, v] of valid.entries()) {
        const { eventId } = v.message;
        if (fresh.delete(eventId)) {
          toApply.push(v);
          appliedHash.set(eventId, hashes[i]);
        } else if ((storedHashes.get(eventId) ?? appliedHash.get(eventId) ?? hashes[i]) !== hashes[i]) {
          conflicts += 1;
          deadLetters.push(letters.of(v.raw, `eventId reused with a different payload: ${eventId} was consumed before with other content; this message is not applied`));
        } else {
          duplicates += 1;
          this.deps.logger.debug({ eventId, sagaId: v.message.sagaId, ...applier.keyOf(v.message) }, 'duplicate message ignored');
        }
      }
      const working = await applier.apply(tx, toApply, deadLetters, { locked, sagaIdsByKey });
      const written = await this.deps.writes.persist(tx, working);
      const lettersWritten = await tx.enqueueDeadLetters(deadLetters);
      written.outbox.push(...lettersWritten);
      return { ...written, deadLettered: lettersWritten.length };
    });
    this.deps.metrics.duplicates.inc(duplicates);
    this.deps.metrics.conflicts.inc(conflicts);
    this.deps.metrics.deadLetters.inc(committed.deadLettered);
    this.deps.metrics.messagesApplied.inc(valid.length);
    if (committed.deadLettered < deadLetters.length) this.deps.logger.debug({ count: deadLetters.length - committed.deadLettered }, 'redelivered messages already dead-lettered');
    for (const d of committed.outbox.slice(committed.outbox.length - committed.deadLettered)) {
      this.deps.logger.warn({ topic: d.topic, key: d.key, error: d.headers?.['x-dlq-error'] }, 'message sent to the dead-letter topic');
    }
    this.deps.writes.committed(committed);
  }
}
