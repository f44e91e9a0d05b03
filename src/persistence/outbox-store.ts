import type { Pool } from 'pg';
import type { OutboxStore, PublishedOutboxRow, WrittenOutboxMessage } from '../runtime/ports';
import { inPgTransaction, numbered } from './pg-transaction';
import { jsonChunks } from './sql';

/**
 * The outbox relay's storage on PostgreSQL, on the engine's pool (it runs after every commit):
 * marks published rows in one statement per chunk, and claims unpublished rows for the recovery
 * path with FOR UPDATE SKIP LOCKED, so several instances never publish the same row at once.
 */
export class PostgresOutboxStore implements OutboxStore {
  constructor(private readonly pool: Pool) {}

  async markPublished(rows: PublishedOutboxRow[]): Promise<void> {
    for (const chunk of jsonChunks(rows)) await this.pool.query(numbered(markPublishedSql(false)), [chunk]);
  }

  publishUnclaimed(
    minAgeMs: number, limit: number, publish: (rows: WrittenOutboxMessage[]) => Promise<PublishedOutboxRow[]>,
  ): Promise<number> {
    return inPgTransaction(this.pool, async (tx) => {
      const rows = await tx.query<WrittenOutboxMessage>(
        `select id, topic, key, value, headers from outbox_message
         where published_at is null and created_at <= now() - make_interval(secs => ?::float8 / 1000)
         order by id limit ? for update skip locked`,
        [minAgeMs, limit],
      );
      if (rows.length === 0) return 0;
      for (const chunk of jsonChunks(await publish(rows))) await tx.query(markPublishedSql(true), [chunk]);
      return rows.length;
    });
  }
}

/** `locked`: the rows are ours (claimed in this transaction); else a row marked meanwhile is left as it is. */
function markPublishedSql(locked: boolean): string {
  // The id list makes it a primary-key lookup at any table size (saga-repository.ts, SAGAS_OF_KEYS).
  return `with sent as (select * from json_to_recordset(?::json) as x(id bigint, partition int, "offset" bigint))
    update outbox_message o set published_at = now(), partition = x.partition, "offset" = x.offset
    from sent x
    where o.id = any(array(select id from sent)) and o.id = x.id${locked ? '' : ' and o.published_at is null'}`;
}
