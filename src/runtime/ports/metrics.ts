/**
 * The counters the runtime and the relay keep; metrics/prometheus.ts implements them with
 * prom-client and serves them at GET /metrics.
 */

export interface Count {
  inc(value?: number): void;
}

export interface LabelledCount<Label extends string> {
  inc(labels: Record<Label, string>, value?: number): void;
}

export interface Distribution {
  observe(value: number): void;
}

export interface Metrics {
  /** Valid messages consumed. */
  messagesApplied: Count;
  /** Redelivered or duplicated messages recognised and ignored. */
  duplicates: Count;
  /** Messages sent to a dead-letter topic. */
  deadLetters: Count;
  /** Messages whose eventId was consumed before with a different payload. */
  conflicts: Count;
  outboxPublished: Count;
  retentionPruned: LabelledCount<'table'>;
  sagasEnded: LabelledCount<'status'>;
  /** Seconds from start to final status. */
  sagaDuration: Distribution;
}
