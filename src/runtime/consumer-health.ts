import { printable } from '../messaging/dead-letter';

/** A topic-partition whose batches keep failing. */
export interface FailingPartition {
  topic: string;
  partition: number;
  /** Failed attempts in a row. */
  failures: number;
  /** The last failure's message. */
  error: string;
  /** When the first failure of this run happened (ISO-8601). */
  since: string;
  /** When the last one happened (ISO-8601). */
  lastFailedAt: string;
  /** First offset of the batch that failed last. */
  offset?: string;
}

/** What GET /ready reports about consuming. */
export interface ConsumerHealthReport {
  ready: boolean;
  failing: FailingPartition[];
}

/**
 * Failures of consumed batches per topic-partition. A partition counts as failing once its
 * batch failed `failuresBeforeUnready` times in a row (one failure is a blip the redelivery
 * absorbs); its next success clears it. Messages the database refuses are dead-lettered, not
 * failures, so what shows here is a partition that cannot move: the database down, a bug.
 * A failing partition is redelivered within seconds (the transport backs off: up to 5 s with
 * batches in flight, kafkajs's restarts up to 30 s without);
 * one not failed for `forgetAfterMs` has moved to another member in a rebalance (or recovered
 * there) and is no longer this instance's to report. A partition the group has consumed past
 * the failed batch since (this member lost it and got it back, after another member did the
 * work) has nothing left to fail on: `forgetConsumedPast` drops it.
 */
export class ConsumerHealth {
  private readonly partitions = new Map<string, FailingPartition>();

  constructor(
    private readonly failuresBeforeUnready = 3,
    private readonly clock: () => Date = () => new Date(),
    private readonly forgetAfterMs = 120_000,
  ) {}

  /** Keeps only the given partitions' failures (this member's assignment after a rebalance). */
  retain(assigned: { topic: string; partition: number }[]): void {
    const kept = new Set(assigned.map((p) => `${p.topic}/${p.partition}`));
    for (const key of this.partitions.keys()) if (!kept.has(key)) this.partitions.delete(key);
  }

  succeeded(topic: string, partition: number): void {
    this.partitions.delete(`${topic}/${partition}`);
  }

  failed(topic: string, partition: number, error: unknown, offset?: string): void {
    const key = `${topic}/${partition}`;
    const known = this.partitions.get(key);
    const message = printable(error instanceof Error ? error.message : String(error)).slice(0, 300);
    const now = this.clock().toISOString();
    if (known) {
      known.failures += 1;
      known.error = message;
      known.lastFailedAt = now;
      known.offset = offset;
    } else {
      this.partitions.set(key, { topic, partition, failures: 1, error: message, since: now, lastFailedAt: now, offset });
    }
  }

  /** Drops failing partitions whose group offset is past the batch that failed (read from `committed`; kept if that read fails). */
  async forgetConsumedPast(committed: (topics: string[]) => Promise<Map<string, bigint>>): Promise<void> {
    const failing = [...this.partitions.entries()].filter(([, p]) => p.failures >= this.failuresBeforeUnready && p.offset !== undefined);
    if (failing.length === 0) return;
    let offsets: Map<string, bigint>;
    try {
      offsets = await committed([...new Set(failing.map(([, p]) => p.topic))]);
    } catch {
      return;
    }
    for (const [key, p] of failing) {
      const next = offsets.get(key);
      if (next !== undefined && next > BigInt(p.offset!) && this.partitions.get(key) === p) this.partitions.delete(key);
    }
  }

  report(): ConsumerHealthReport {
    const cutoff = this.clock().getTime() - this.forgetAfterMs;
    for (const [key, p] of this.partitions) if (Date.parse(p.lastFailedAt) < cutoff) this.partitions.delete(key);
    const failing = [...this.partitions.values()].filter((p) => p.failures >= this.failuresBeforeUnready).map((p) => ({ ...p }));
    return { ready: failing.length === 0, failing };
  }
}
