import type { MikroORM } from '@mikro-orm/postgresql';
import type { MessageRetentionStore, Pruned, RetentionCutoffs } from '../runtime/ports';
import { execute, selectRows } from './sql';

/**
 * Deletes inbox and outbox rows past their retention, a bounded batch per statement so no
 * statement holds many row locks or writes much WAL at once.
 *
 * Why an old inbox row may go: the inbox is the fast first check against redelivery, not the
 * only one. A reply that comes back after its row is gone is still recognised by the saga state
 * (every step keeps the eventIds of the replies it applied) and an OrderCreated by the one saga
 * per order. The outbox keeps unpublished rows whatever their age: they are still owed to the
 * broker. Transport diagnostics (Saga.waitingOn) show nothing for pruned rows.
 */
export class MessageRetention implements MessageRetentionStore {
  constructor(private readonly orm: MikroORM, private readonly batchSize = 5000) {}

  async prune(cutoffs: RetentionCutoffs): Promise<Pruned> {
    const knex = this.orm.em.getKnex();
    // BRIN indexes only cover the page ranges summarised so far; summarise the new ones first
    // (cheap, and it makes the searches below read only the old pages).
    await selectRows(knex, `select brin_summarize_new_values('inbox_message_received_at_brin'), brin_summarize_new_values('outbox_message_created_at_brin')`);
    const pruned: Pruned = { inbox: 0, outbox: 0 };
    if (cutoffs.inboxBefore) {
      pruned.inbox = await this.inBatches(
        `delete from inbox_message where ctid = any(array(
           select ctid from inbox_message where received_at < ? limit ?))`,
        cutoffs.inboxBefore,
      );
    }
    if (cutoffs.outboxBefore) {
      pruned.outbox = await this.inBatches(
        `delete from outbox_message where ctid = any(array(
           select ctid from outbox_message where created_at < ? and published_at is not null limit ?))`,
        cutoffs.outboxBefore,
      );
    }
    return pruned;
  }

  private async inBatches(sql: string, before: Date): Promise<number> {
    const knex = this.orm.em.getKnex();
    let total = 0;
    for (;;) {
      const deleted = await execute(knex, sql, [before.toISOString(), this.batchSize]);
      total += deleted;
      if (deleted < this.batchSize) return total;
    }
  }
}
