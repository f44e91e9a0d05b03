import type { Batch, Consumer, EachBatchPayload } from 'kafkajs';
import type { Logger } from '../logger';
import type { BatchHandler, TransportMessage } from '../runtime/ports';

export interface BatchLanesOptions {
  consumer: Consumer;
  handler: BatchHandler;
  /** A fetched batch as the handler takes it. */
  toMessages(batch: Batch): TransportMessage[];
  /** Batches held at once (queued or being handled); the fetch loop waits when it is reached. */
  limit: number;
  logger: Logger;
  /** Least time between two offset commits. */
  commitIntervalMs: number;
}

interface QueuedBatch {
  messages: TransportMessage[];
  first: string;
  last: string;
}

/** One topic-partition: its batches are handed to the handler one at a time, in offset order. */
interface Lane {
  topic: string;
  partition: number;
  queue: QueuedBatch[];
  busy: boolean;
  /** Bumped when the lane's queue is dropped (a failure, a rejoin): older results no longer count. */
  epoch: number;
  /** Failures in a row, for the back-off before the redelivery. */
  failures: number;
}

/**
 * Consumes without waiting for the handler: kafkajs fetches again only once every batch of its
 * last fetch returned from eachBatch, so a handler that commits to a database before returning
 * makes every message that arrives meanwhile wait for that commit and then for a whole fetch.
 * Here eachBatch queues the batch on its partition's lane and returns; each lane hands its
 * batches to the handler one at a time, in offset order, exactly as the plain loop does, while
 * the fetch loop takes the next batches. Only offsets whose batch (and every earlier one of its
 * partition) the handler finished are committed, so a crash redelivers, never skips.
 *
 * A failed batch drops what its lane had queued, pauses the partition for a back-off (100 ms,
 * doubling to 5 s) and seeks it back to that batch, so it and what followed it are delivered
 * again. A rejoin of the group drops every lane's queue: kafkajs then fetches from the group's
 * committed offsets.
 */
export class BatchLanes {
  private readonly lanes = new Map<string, Lane>();
  private readonly slotWaiters: (() => void)[] = [];
  private held = 0;
  private stopping = false;
  private readonly idleWaiters: (() => void)[] = [];
  /** Next offset to commit per partition: everything before it was handled. */
  private readonly handled = new Map<string, { topic: string; partition: number; offset: string }>();
  /** Something was handled since the last commit. */
  private dirty = false;
  private lastCommitAt = Date.now();
  private commitTimer?: NodeJS.Timeout;
  private committing = false;
  private readonly resumeTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: BatchLanesOptions) {}

  /** The group was (re)joined: what was fetched before may be another member's now. */
  rejoined(): void {
    this.handled.clear();
    this.dirty = false;
    // Bumps every lane's epoch: results of batches fetched before the rejoin no longer count.
    for (const lane of this.lanes.values()) this.dropQueue(lane);
  }

  readonly eachBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> => {
    if (this.stopping || !isRunning() || isStale() || batch.messages.length === 0) return;
    await this.takeSlot();
    // A seek (a failed batch of this partition) while waiting makes this batch stale.
    if (this.stopping || !isRunning() || isStale()) {
      this.releaseSlot();
      return;
    }
    const lane = this.laneOf(batch.topic, batch.partition);
    const last = batch.messages[batch.messages.length - 1].offset;
    lane.queue.push({ messages: this.options.toMessages(batch), first: batch.messages[0].offset, last });
    // kafkajs's next fetch starts after this batch; what the group commits is tracked here.
    resolveOffset(last);
    void this.drain(lane);
    await heartbeat();
  };

  /** Stops handing out batches, waits for the ones being handled, and commits what was handled. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
    clearTimeout(this.commitTimer);
    for (const lane of this.lanes.values()) this.dropQueue(lane);
    for (const wake of this.slotWaiters.splice(0)) wake();
    while ([...this.lanes.values()].some((l) => l.busy)) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    const offsets = [...this.handled.values()];
    if (offsets.length > 0) await this.options.consumer.commitOffsets(offsets);
  }

  private async drain(lane: Lane): Promise<void> {
    if (lane.busy) return;
    lane.busy = true;
    try {
      while (lane.queue.length > 0 && !this.stopping) {
        const batch = lane.queue.shift()!;
        const { epoch } = lane;
        try {
          await this.options.handler(batch.messages);
          if (epoch === lane.epoch) {
            lane.failures = 0;
            this.markHandled(lane, batch.last);
          }
        } catch (error) {
          if (epoch === lane.epoch) this.redeliver(lane, batch, error);
        } finally {
          this.releaseSlot();
        }
      }
    } finally {
      lane.busy = false;
      if (this.stopping) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Delivers the failed batch again after a back-off, and what its lane had queued behind it. */
  private redeliver(lane: Lane, batch: QueuedBatch, error: unknown): void {
    this.dropQueue(lane);
    // Stopping: what was not handled is redelivered after the restart, from the committed offsets.
    if (this.stopping) return;
    lane.failures += 1;
    const { consumer, logger } = this.options;
    const partitions = [{ topic: lane.topic, partitions: [lane.partition] }];
    const backoffMs = Math.min(100 * 2 ** (lane.failures - 1), 5000);
    logger.debug({ topic: lane.topic, partition: lane.partition, offset: batch.first, backoffMs, err: error }, 'batch failed; redelivering it');
    try {
      consumer.pause(partitions);
      consumer.seek({ topic: lane.topic, partition: lane.partition, offset: batch.first });
    } catch (seekError) {
      // The consumer is restarting (its group is rejoined, and fetches from the committed offsets).
      logger.debug({ err: seekError }, 'could not seek back a failed batch');
    }
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      try {
        consumer.resume(partitions);
      } catch {
        // As above: a restarted consumer fetches every assigned partition anyway.
      }
    }, backoffMs);
    this.resumeTimers.add(timer);
  }

  private dropQueue(lane: Lane): void {
    lane.epoch += 1;
    for (const _ of lane.queue.splice(0)) this.releaseSlot();
  }

  private markHandled(lane: Lane, lastOffset: string): void {
    this.handled.set(`${lane.topic}/${lane.partition}`, { topic: lane.topic, partition: lane.partition, offset: (BigInt(lastOffset) + 1n).toString() });
    this.dirty = true;
    this.commitSoon();
  }

  /** Commits what was handled at most once per interval (one OffsetCommit per batch would double the broker's work). */
  private commitSoon(): void {
    if (this.commitTimer || this.committing || this.stopping) return;
    const wait = Math.max(0, this.lastCommitAt + this.options.commitIntervalMs - Date.now());
    this.commitTimer = setTimeout(() => void this.commit(), wait);
  }

  private async commit(): Promise<void> {
    this.commitTimer = undefined;
    if (this.stopping || !this.dirty) return;
    // Every partition's handled offset: committing one again that has not moved costs nothing.
    const offsets = [...this.handled.values()];
    this.dirty = false;
    this.committing = true;
    try {
      await this.options.consumer.commitOffsets(offsets);
    } catch (error) {
      // A rebalance or a broker restart: what was handled since is redelivered and dropped as seen.
      this.options.logger.debug({ err: error }, 'committing consumed offsets failed; they will be redelivered');
    } finally {
      this.committing = false;
      this.lastCommitAt = Date.now();
      if (this.dirty) this.commitSoon();
    }
  }

  private laneOf(topic: string, partition: number): Lane {
    const key = `${topic}/${partition}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { topic, partition, queue: [], busy: false, epoch: 0, failures: 0 };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private async takeSlot(): Promise<void> {
    while (this.held >= this.options.limit && !this.stopping) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    this.held += 1;
  }

  private releaseSlot(): void {
    this.held -= 1;
    this.slotWaiters.shift()?.();
  }
}
