import type { Logger } from '../logger';
import { Alarm } from '../runtime/alarm';
import type {
  MessageTransport, Metrics, OutboxPublisher, OutboxStore, OutgoingMessage, PublishedOutboxRow, PublishReceipt, WrittenOutboxMessage,
} from '../runtime/ports';
import { isDeadLetterTopic } from './contract';
import { decodeDeadLetter, originalKey } from './dead-letter';
import { publishTraced } from './publish-tracing';

type PendingRow = WrittenOutboxMessage;

export interface OutboxRelayOptions {
  /** Rows per publish. */
  batchSize: number;
  /** Pause of the recovery poll when it found nothing. */
  idleMs: number;
  /**
   * Unpublished rows younger than this are left to the instance that wrote them (it publishes
   * them from memory right after its commit); the poll takes only older ones: rows whose writer
   * crashed, or whose publish failed. The first poll after start takes every row.
   */
  recoveryAgeMs: number;
  /**
   * How long marking waits for more publishes to mark in the same statement. At low load every
   * publish would otherwise cost PostgreSQL a commit of its own; a crash within this window
   * publishes those rows again, which consumers drop.
   */
  markDelayMs: number;
}

/**
 * Publishes the transactional outbox to the broker, at least once; the rows are reached through
 * OutboxStore (persistence/outbox-store.ts), the broker through the transport.
 *
 * Fast path: the processor hands over the rows it has just committed (`offer`); they are
 * published from memory in commit order and then marked published in one statement, without
 * holding a transaction or row locks across the send. While one batch is marked, the next one
 * is already being sent.
 *
 * Recovery path: a poll takes unpublished rows older than `recoveryAgeMs` (FOR UPDATE SKIP LOCKED,
 * so several instances never publish the same row at once), publishes and marks them. A crash
 * after publishing and before marking re-publishes the same eventIds, which consumers drop.
 */
export class OutboxRelay implements OutboxPublisher {
  private running = false;
  private loop?: Promise<void>;
  private readonly alarm = new Alarm();
  private readonly markDelay = new Alarm();
  private ready: PendingRow[] = [];
  private toMark: PublishedOutboxRow[] = [];
  private marking?: Promise<void>;
  private readonly options: OutboxRelayOptions;

  constructor(
    private readonly store: OutboxStore,
    private readonly transport: MessageTransport,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    options: Partial<OutboxRelayOptions> = {},
  ) {
    this.options = { batchSize: 500, idleMs: 1000, recoveryAgeMs: 3000, markDelayMs: 100, ...options };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Rows a transaction has just committed: publish them now, from memory. */
  offer(rows: WrittenOutboxMessage[]): void {
    if (!this.running) return; // the recovery poll of the next start publishes them
    for (const r of rows) this.ready.push(r);
    this.alarm.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.alarm.wake();
    this.markDelay.wake();
    await this.loop;
    // Rows still in memory stay unpublished in the table: the next start's poll publishes them.
    this.ready = [];
  }

  /** Publishes the rows handed over by `offer`, up to one batch; returns how many. */
  private async publishReady(): Promise<number> {
    const rows = this.ready.length <= this.options.batchSize ? this.ready : this.ready.slice(0, this.options.batchSize);
    this.ready = rows === this.ready ? [] : this.ready.slice(rows.length);
    // On failure the rows stay unpublished in the table, and the recovery poll retries them.
    const messages = rows.map(toMessage);
    const receipts = await publishTraced(messages, () => this.transport.publish(messages));
    this.metrics.outboxPublished.inc(rows.length);
    this.markLater(rows, receipts);
    // Backpressure: publishing stays at most about one batch ahead of marking.
    if (this.toMark.length > this.options.batchSize) await this.marking;
    return rows.length;
  }

  /**
   * Marking runs while the next batches are sent: one statement at a time, each marking every
   * row published since the previous one began (one round trip for many publishes), after a
   * short wait (markDelayMs) unless a batch' worth is waiting or the relay stops.
   */
  private markLater(rows: PendingRow[], receipts: PublishReceipt[]): void {
    this.toMark.push(...landed(rows, receipts));
    if (this.toMark.length >= this.options.batchSize) this.markDelay.wake();
    this.marking ??= this.markSoon().finally(() => { this.marking = undefined; });
  }

  private async markSoon(): Promise<void> {
    if (this.running && this.options.markDelayMs > 0) await this.markDelay.sleep(this.options.markDelayMs);
    await this.markPending();
  }

  private async markPending(): Promise<void> {
    while (this.toMark.length > 0) {
      const batch = this.toMark.splice(0);
      try {
        await this.store.markPublished(batch);
      } catch (error) {
        this.logger.warn({ err: error, rows: batch.length }, 'marking outbox rows published failed; they will be published again');
      }
    }
  }

  /** One poll of the recovery path; returns how many rows it published. */
  async publishBatch(minAgeMs = this.options.recoveryAgeMs): Promise<number> {
    const published = await this.store.publishUnclaimed(minAgeMs, this.options.batchSize, async (rows) => {
      const messages = rows.map(toMessage);
      return landed(rows, await publishTraced(messages, () => this.transport.publish(messages)));
    });
    this.metrics.outboxPublished.inc(published);
    return published;
  }

  private async run(): Promise<void> {
    let failures = 0;
    let minAgeMs = 0; // the first polls take everything a previous run left
    let nextPollAt = 0;
    while (this.running) {
      let published = 0;
      try {
        if (this.ready.length > 0) {
          published = await this.publishReady();
        } else if (Date.now() >= nextPollAt) {
          published = await this.publishBatch(minAgeMs);
          if (published === 0) {
            minAgeMs = this.options.recoveryAgeMs;
            nextPollAt = Date.now() + this.options.idleMs;
          }
        }
        failures = 0;
      } catch (error) {
        failures += 1;
        this.logger.error({ err: error, failures }, 'outbox publish failed; will retry');
        await this.alarm.sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)));
        continue;
      }
      // offer() and stop() ring the alarm, also while this loop is busy: the sleep then returns at once.
      if (published === 0) await this.alarm.sleep(Math.max(1, nextPollAt - Date.now()));
    }
    await this.marking;
  }
}

function toMessage(row: PendingRow): OutgoingMessage {
  const message: OutgoingMessage = { topic: row.topic, key: row.key, value: row.value, headers: row.headers ?? undefined };
  // A dead letter's Kafka key is the original key's exact bytes, which only its record holds
  // (the key column is text); a row written before records kept bytes goes with its text key.
  if (isDeadLetterTopic(row.topic)) {
    try {
      message.keyBytes = originalKey(decodeDeadLetter(row.value));
    } catch {
      // not a record of this shape
    }
  }
  return message;
}

function landed(rows: PendingRow[], receipts: PublishReceipt[]): PublishedOutboxRow[] {
  return rows.map((r, i) => ({ id: r.id, partition: receipts[i].partition, offset: receipts[i].offset }));
}
