import type { Knex, MikroORM } from '@mikro-orm/postgresql';
import type { OutboxStore, PublishedOutboxRow, WrittenOutboxMessage } from '../runtime/ports';
import { execute, jsonChunks, selectRows } from './sql';

/**
 * The outbox relay's storage on PostgreSQL: marks published rows in one statement per chunk, and
 * claims unpublished rows for the recovery path with FOR UPDATE SKIP LOCKED, so several instances
 * never publish the same row at once.
 */
export class PostgresOutboxStore implements OutboxStore {
  constructor(private readonly orm: MikroORM) {}

  markPublished(rows: PublishedOutboxRow[]): Promise<void> {
    return markPublished(this.orm.em.getKnex(), rows, false);
  }

  async publishUnclaimed(
    minAgeMs: number, limit: number, publish: (rows: WrittenOutboxMessage[]) => Promise<PublishedOutboxRow[]>,
  ): Promise<number> {
    const em = this.orm.em.fork();
    return em.transactional(async (tx) => {
      const knex = tx.getTransactionContext<Knex.Transaction>()!;
      const rows = await selectRows<WrittenOutboxMessage>(
        knex,
        `select id, topic, key, value, headers from outbox_message
         where published_at is null and created_at <= now() - make_interval(secs => ?::float8 / 1000)
         order by id limit ? for update skip locked`,
        [minAgeMs, limit],
      );
      if (rows.length === 0) return 0;
      await markPublished(knex, await publish(rows), true);
      return rows.length;
    });
  }
}

/** `locked`: the rows are ours (claimed in this transaction); else a row marked meanwhile is left as it is. */
async function markPublished(knex: Knex, rows: PublishedOutboxRow[], locked: boolean): Promise<void> {
  for (const chunk of jsonChunks(rows)) {
    await execute(
      knex,
      `update outbox_message o set published_at = now(), partition = x.partition, "offset" = x.offset
       from json_to_recordset(?::json) as x(id bigint, partition int, "offset" bigint)
       where o.id = x.id${locked ? '' : ' and o.published_at is null'}`,
      [chunk],
    );
  }
}
