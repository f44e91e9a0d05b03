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
 * A failing partition is redelivered within seconds (kafkajs retries with back-off up to 30 s);
 * one not failed for `forgetAfterMs` has moved to another member in a rebalance (or recovered
 * there) and is no longer this instance's to report.
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

  failed(topic: string, partition: number, error: unknown): void {
    const key = `${topic}/${partition}`;
    const known = this.partitions.get(key);
    const message = printable(error instanceof Error ? error.message : String(error)).slice(0, 300);
    const now = this.clock().toISOString();
    if (known) {
      known.failures += 1;
      known.error = message;
      known.lastFailedAt = now;
    } else {
      this.partitions.set(key, { topic, partition, failures: 1, error: message, since: now, lastFailedAt: now });
    }
  }

  report(): ConsumerHealthReport {
    const cutoff = this.clock().getTime() - this.forgetAfterMs;
    for (const [key, p] of this.partitions) if (Date.parse(p.lastFailedAt) < cutoff) this.partitions.delete(key);
    const failing = [...this.partitions.values()].filter((p) => p.failures >= this.failuresBeforeUnready).map((p) => ({ ...p }));
    return { ready: failing.length === 0, failing };
  }
}
