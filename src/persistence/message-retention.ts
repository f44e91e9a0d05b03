import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { MessageRetentionStore, Pruned, RetentionCutoffs } from '../runtime/ports';
import { InboxMessage, OutboxMessage } from './entities';

/**
 * Deletes inbox and outbox rows past their retention, through MikroORM's QueryBuilder (a cold
 * path, run every few minutes), a bounded batch per statement so no statement holds many row
 * locks or writes much WAL at once.
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
    const em = this.orm.em.fork();
    // BRIN indexes only cover the page ranges summarised so far; summarise the new ones first
    // (cheap, and it makes the searches below read only the old pages).
    await em.execute(`select brin_summarize_new_values('inbox_message_received_at_brin'), brin_summarize_new_values('outbox_message_created_at_brin')`);
    const pruned: Pruned = { inbox: 0, outbox: 0 };
    const { inboxBefore, outboxBefore } = cutoffs;
    if (inboxBefore) {
      pruned.inbox = await this.inBatches(() => deleteBatch(em, InboxMessage, 'eventId',
        em.createQueryBuilder(InboxMessage).select('eventId').where({ receivedAt: { $lt: inboxBefore } }).limit(this.batchSize)));
    }
    if (outboxBefore) {
      pruned.outbox = await this.inBatches(() => deleteBatch(em, OutboxMessage, 'id',
        em.createQueryBuilder(OutboxMessage).select('id').where({ createdAt: { $lt: outboxBefore }, publishedAt: { $ne: null } }).limit(this.batchSize)));
    }
    return pruned;
  }

  private async inBatches(deleteOne: () => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await deleteOne();
      total += deleted;
      if (deleted < this.batchSize) return total;
    }
  }
}

/** Deletes the rows whose primary key the (limited) selection returns; how many went. */
async function deleteBatch<T extends object>(
  em: EntityManager, entity: new () => T, key: string, selection: { getKnexQuery(): unknown },
): Promise<number> {
  const result = await em.createQueryBuilder(entity).delete({ [key]: { $in: selection.getKnexQuery() } } as never).execute('run');
  return result.affectedRows;
}
