import type { Knex, MikroORM } from '@mikro-orm/postgresql';
import { execute, selectRows } from '../persistence/sql';
import type { Logger } from '../logger';
import type { Metrics } from '../runtime/metrics';
import type { MessageTransport } from './transport';

interface PendingRow { id: string; topic: string; key: string; value: string; headers: Record<string, string> | null }

/**
 * Publishes the transactional outbox to the broker. Rows are locked while they are published
 * (FOR UPDATE SKIP LOCKED) so several instances never publish the same row at once; a crash
 * after publishing and before marking re-publishes the same eventIds, which consumers drop.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private pendingWake = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly transport: MessageTransport,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly options = { batchSize: 500, idleMs: 200 },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Called after a commit that wrote outbox rows: publish now instead of at the next poll. */
  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  /** Publishes one batch; returns how many rows it published. */
  async publishBatch(): Promise<number> {
    const em = this.orm.em.fork();
    return em.transactional(async (tx) => {
      const knex = tx.getTransactionContext<Knex.Transaction>()!;
      const rows = await selectRows<PendingRow>(
        knex,
        'select id, topic, key, value, headers from outbox_message where published_at is null order by id limit ? for update skip locked',
        [this.options.batchSize],
      );
      if (rows.length === 0) return 0;
      const receipts = await this.transport.publish(rows.map((r) => ({ topic: r.topic, key: r.key, value: r.value, headers: r.headers ?? undefined })));
      await execute(
        knex,
        `update outbox_message o set published_at = now(), partition = x.partition, "offset" = x.offset
         from jsonb_to_recordset(?::jsonb) as x(id bigint, partition int, "offset" bigint) where o.id = x.id`,
        [JSON.stringify(rows.map((r, i) => ({ id: r.id, partition: receipts[i].partition, offset: receipts[i].offset })))],
      );
      this.metrics.outboxPublished.inc(rows.length);
      return rows.length;
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      this.pendingWake = false;
      let published = 0;
      try {
        published = await this.publishBatch();
        failures = 0;
      } catch (error) {
        failures += 1;
        this.logger.error({ err: error, failures }, 'outbox publish failed; will retry');
        await this.sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)));
        continue;
      }
      if (published === 0 && !this.pendingWake) await this.sleep(this.options.idleMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wakeUp = undefined; resolve(); }, ms);
      this.wakeUp = () => { clearTimeout(timer); this.wakeUp = undefined; resolve(); };
    });
  }
}
