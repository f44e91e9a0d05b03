import type { Logger } from '../logger';
import type { MessageTransport, OutboxPublisher, Subscription, TopicPartition } from './ports';
import { ConsumerHealth, type ConsumerHealthReport } from './consumer-health';
import type { Poller } from './poller';
import type { SagaProcessor } from './processor/saga-processor';
import { TimerPoller } from './timer-poller';

export interface OrchestratorOptions {
  /** The topics the registered sagas consume. */
  topics: readonly string[];
  transport: MessageTransport;
  processor: SagaProcessor;
  relay: OutboxPublisher;
  /** Deletes inbox and outbox rows past their retention; none keeps them forever. */
  retention?: Poller;
  groupId: string;
  logger: Logger;
  /** The longest the timer poller sleeps with no timer of its own due (timers of other instances). */
  timerMaxIdleMs?: number;
  /** Consumed batches held at once (SubscribeOptions.batchesInFlight): the processor commits several partitions' batches together. */
  batchesInFlight?: number;
  /** Where consumed batches' failures are counted per topic-partition (GET /ready). */
  health?: ConsumerHealth;
}

/**
 * The running saga orchestrator: consumes the participants' events into the processor,
 * publishes the outbox and fires durable timers. Several instances share the consumer group and
 * take over each other's partitions; the database keeps them consistent.
 */
export class Orchestrator {
  private subscription?: Subscription;
  private readonly timers: TimerPoller;
  /** Failures of consumed batches per topic-partition: what GET /ready reports. */
  readonly health: ConsumerHealth;

  constructor(private readonly options: OrchestratorOptions) {
    this.timers = new TimerPoller({
      fireDue: (limit) => options.processor.fireDueTimers(limit),
      nextDueAt: () => options.processor.nextTimerDueAt(),
      logger: options.logger,
      maxIdleMs: options.timerMaxIdleMs,
    });
    this.health = options.health ?? new ConsumerHealth();
  }

  async start(): Promise<void> {
    const { transport, processor, relay, groupId } = this.options;
    await transport.ensureTopics([...this.options.topics]);
    // Publish what a previous run left in the outbox before taking new work.
    relay.start();
    this.timers.start();
    this.options.retention?.start();
    // A partition that failed here and then moved to another member is that member's to report.
    const onAssigned = (assigned: TopicPartition[]) => this.health.retain(assigned);
    this.subscription = await transport.subscribe({ groupId, topics: [...this.options.topics], onAssigned, batchesInFlight: this.options.batchesInFlight }, async (batch) => {
      const { topic, partition } = batch[0];
      try {
        await processor.handleBatch(batch);
      } catch (error) {
        // Thrown only when nothing could commit (the database unavailable, say): redelivered later.
        this.health.failed(topic, partition, error, batch[0].offset);
        this.options.logger.warn({ err: error, topic, partition }, 'consumed batch failed; it will be redelivered');
        throw error;
      }
      this.health.succeeded(topic, partition);
    });
  }

  /** What GET /ready reports about consuming, with partitions the group has consumed past since they failed here left out. */
  async healthReport(): Promise<ConsumerHealthReport> {
    const { transport, groupId } = this.options;
    if (transport.committedOffsets) await this.health.forgetConsumedPast((topics) => transport.committedOffsets!(groupId, topics));
    return this.health.report();
  }

  /** A commit here armed a timer due at `dueAtMs` (SagaProcessor's onTimerArmed). */
  timerArmed(dueAtMs: number): void {
    this.timers.armed(dueAtMs);
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    await this.timers.stop();
    await this.options.retention?.stop();
    await this.options.relay.stop();
  }
}
