import type { Logger } from '../../logger';
import { deadLetterRecord, encodeDeadLetter } from '../../messaging/dead-letter';
import { InvalidCommandError } from '../../messaging/outgoing-check';
import type { Metrics, RawOutboxMessage, SagaStore, TransportMessage } from '../ports';
import { isDataError, refusalText } from './batch-isolation';
import type { SagaWrites } from './saga-writes';

/**
 * Failures that are the messages' own fault, so the same message fails the same way every time:
 * the database refusing its data, or a saga it drives producing a command the contract refuses.
 */
export function isRefusal(error: unknown): boolean {
  return isDataError(error) || error instanceof InvalidCommandError;
}

/** Why a refused message is dead-lettered, as its dead letter says it. */
export function refusalReason(error: unknown): string {
  return error instanceof InvalidCommandError ? error.message : refusalText(error);
}

export interface DeadLettersDeps {
  store: SagaStore;
  logger: Logger;
  metrics: Metrics;
  clock: () => Date;
}

/** Dead letters of consumed messages: messaging/dead-letter.ts is their record, the outbox takes them to `<topic>.dlq`. */
export class DeadLetters {
  constructor(private readonly deps: DeadLettersDeps, private readonly writes: SagaWrites) {}

  /** The dead letter of a message: its id is fixed by topic, partition and offset. */
  of(raw: TransportMessage, error: string): RawOutboxMessage {
    return encodeDeadLetter(deadLetterRecord(raw, error, this.deps.clock()));
  }

  /** Dead-letters one message the database refused, in a transaction of its own. */
  async alone(message: TransportMessage, error: string): Promise<void> {
    const written = await this.deps.store.inTransaction((tx) => tx.enqueueDeadLetters([this.of(message, error)]));
    this.deps.metrics.deadLetters.inc(written.length);
    this.deps.logger.warn({ topic: message.topic, partition: message.partition, offset: message.offset, key: message.key, error }, 'message refused by the database, sent to the dead-letter topic');
    this.writes.committed({ writes: [], outbox: written });
  }
}
