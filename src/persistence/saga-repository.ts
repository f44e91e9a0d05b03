import type { EntityManager, Knex, MikroORM } from '@mikro-orm/postgresql';
import type {
  AnySagaState, InboxEntry, ManualActionRecord, RawOutboxMessage, SagaStore, SagaTransaction, SagaWrite, StoredSaga, WrittenOutboxMessage,
} from '../runtime/ports';

import { failedStep, paymentMethods } from './search-keys';
import { execute, jsonChunks, selectRows } from './sql';

/** PostgreSQL channel announcing committed saga changes to every instance (see change-listener.ts). */
export const SAGA_CHANGES_CHANNEL = 'saga_changes';

/** Thrown when a saga changed under us; the transaction rolls back and the batch is retried. */
export class OptimisticLockError extends Error {}

interface SagaRow { state: AnySagaState; version: number; event_seq: number }

/**
 * SagaStore on PostgreSQL. Each method is one SQL statement over a whole batch
 * (json_to_recordset), so a consumed batch costs a fixed handful of round trips, not one per
 * message. Tables and indexes are the MikroORM entities' (src/persistence/entities).
 */
export class PostgresSagaStore implements SagaStore {
  constructor(private readonly orm: MikroORM) {}

  inTransaction<T>(work: (tx: SagaTransaction) => Promise<T>): Promise<T> {
    return this.orm.em.fork().transactional((em) => work(new PostgresSagaTransaction(em)));
  }
}

class PostgresSagaTransaction implements SagaTransaction {
  constructor(private readonly em: EntityManager) {}

  private get knex(): Knex {
    return this.em.getTransactionContext<Knex.Transaction>() ?? this.em.getKnex();
  }

  private query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return selectRows<T>(this.knex, sql, params);
  }

  private run(sql: string, params: unknown[] = []): Promise<number> {
    return execute(this.knex, sql, params);
  }

  async claimInbox(entries: InboxEntry[]): Promise<Set<string>> {
    if (entries.length === 0) return new Set();
    const fresh = new Set<string>();
    for (const chunk of jsonChunks(entries.map((e) => ({ event_id: e.eventId, topic: e.topic })))) {
      const rows = await this.query<{ event_id: string }>(
        `insert into inbox_message (event_id, topic, received_at)
         select x.event_id, x.topic, now() from json_to_recordset(?::json) as x(event_id uuid, topic text)
         on conflict (event_id) do nothing returning event_id`,
        [chunk],
      );
      for (const r of rows) fresh.add(r.event_id);
    }
    return fresh;
  }

  async lockSagas(ids: string[]): Promise<Map<string, StoredSaga>> {
    if (ids.length === 0) return new Map();
    // Sorted so two transactions locking overlapping sets cannot deadlock.
    const rows = await this.query<SagaRow>(
      'select state, version, event_seq from saga_instance where id = any(string_to_array(?, \',\')::uuid[]) order by id for update',
      [[...new Set(ids)].sort().join(',')],
    );
    return new Map(rows.map((r) => [r.state.id, toStored(r)]));
  }

  async sagaIdsByOrder(orderIds: string[]): Promise<Map<string, string>> {
    if (orderIds.length === 0) return new Map();
    const rows = await this.query<{ id: string; order_id: string }>(
      'select id, order_id from saga_instance where order_id = any(string_to_array(?, \',\')::uuid[])',
      [[...new Set(orderIds)].join(',')],
    );
    return new Map(rows.map((r) => [r.order_id, r.id]));
  }

  async lockDueTimers(now: Date, limit: number): Promise<StoredSaga[]> {
    const rows = await this.query<SagaRow>(
      `select s.state, s.version, s.event_seq from saga_timer t join saga_instance s on s.id = t.saga_id
       where t.due_at <= ?
       order by t.due_at limit ? for update of s skip locked`,
      [now.toISOString(), limit],
    );
    return rows.map(toStored);
  }

  async write(writes: SagaWrite[]): Promise<WrittenOutboxMessage[]> {
    if (writes.length === 0) return [];
    const inserts = writes.filter((w) => w.previousVersion === null);
    const updates = writes.filter((w) => w.previousVersion !== null);
    const columns = `id uuid, type text, definition_version int, order_id uuid, customer_id text, status text,
      current_step text, state json, total_amount numeric, final_amount numeric, currency text, last_error text,
      version int, prev_version int, event_seq int, created_at timestamptz,
      updated_at timestamptz, ended_at timestamptz, payment_methods text[], failed_step text`;
    for (const chunk of jsonChunks(inserts.map(sagaRecord))) {
      await this.run(
        `insert into saga_instance (id, type, definition_version, order_id, customer_id, status, current_step, state,
           total_amount, final_amount, currency, last_error, version, event_seq, created_at, updated_at, ended_at,
           payment_methods, failed_step)
         select id, type, definition_version, order_id, customer_id, status, current_step, state, total_amount,
           final_amount, currency, last_error, version, event_seq, created_at, updated_at, ended_at,
           payment_methods, failed_step
         from json_to_recordset(?::json) as x(${columns})`,
        [chunk],
      );
    }
    let changed = 0;
    for (const chunk of jsonChunks(updates.map(sagaRecord))) {
      changed += await this.run(
        `update saga_instance s set status = x.status, current_step = x.current_step, state = x.state,
           final_amount = x.final_amount, last_error = x.last_error, version = x.version, event_seq = x.event_seq, updated_at = x.updated_at, ended_at = x.ended_at,
           payment_methods = x.payment_methods, failed_step = x.failed_step
         from json_to_recordset(?::json) as x(${columns})
         where s.id = x.id and s.version = x.prev_version`,
        [chunk],
      );
    }
    if (changed !== updates.length) throw new OptimisticLockError(`${updates.length - changed} saga(s) changed concurrently`);
    await this.writeTimers(writes);
    const steps = writes.flatMap((w) => (w.changedSteps ?? w.state.steps.map((_, i) => i)).map((position) => {
      const step = w.state.steps[position];
      return {
        saga_id: w.state.id, name: step.name, position, status: step.status, attempts: step.attempts,
        compensation_attempts: step.compensationAttempts, last_error: step.lastError,
        started_ms: step.startedAtMs, ended_ms: step.endedAtMs ?? step.compensationEndedAtMs,
      };
    }));
    for (const chunk of jsonChunks(steps)) await this.run(
      `insert into saga_step (saga_id, name, position, status, attempts, compensation_attempts, last_error, started_at, ended_at)
       select saga_id, name, position, status, attempts, compensation_attempts, last_error, ${msToTimestamp('started_ms')}, ${msToTimestamp('ended_ms')}
       from json_to_recordset(?::json) as x(saga_id uuid, name text, position int, status text, attempts int,
         compensation_attempts int, last_error text, started_ms bigint, ended_ms bigint)
       on conflict (saga_id, name) do update set status = excluded.status, attempts = excluded.attempts,
         compensation_attempts = excluded.compensation_attempts, last_error = excluded.last_error,
         started_at = excluded.started_at, ended_at = excluded.ended_at`,
      [chunk],
    );
    const events = writes.flatMap((w) => w.events.map((event, i) => ({
      saga_id: w.state.id, seq: w.previousEventSeq + i + 1, type: event.type, step: event.step,
      detail: event.detail, actor: w.actor, created_ms: event.atMs,
    })));
    for (const chunk of jsonChunks(events)) {
      await this.run(
        `insert into saga_event (saga_id, seq, type, step, detail, actor, created_at)
         select saga_id, seq, type, step, detail, actor, ${msToTimestamp('created_ms')}
         from json_to_recordset(?::json) as x(saga_id uuid, seq int, type text, step text, detail json, actor text, created_ms bigint)`,
        [chunk],
      );
    }
    // NOTIFY is transactional: every instance hears it after the commit, in commit order.
    await this.query(
      'select pg_notify(?, n) from jsonb_array_elements_text(?::jsonb) as n',
      [SAGA_CHANGES_CHANNEL, JSON.stringify(writes.map((w) => JSON.stringify({
        s: w.state.id, v: (w.previousVersion ?? 0) + 1, f: w.previousEventSeq, t: w.previousEventSeq + w.events.length,
      })))],
    );
    return this.enqueue(writes.flatMap((w) => w.outbox.map((m) => ({
      eventId: m.eventId, topic: m.topic, key: m.key, value: JSON.stringify(m.value), sagaId: w.state.id, step: m.step,
    }))));
  }

  /** Arms each written saga's next timer, or disarms it (saga_timer, one row per saga at most). */
  private async writeTimers(writes: SagaWrite[]): Promise<void> {
    const armed = writes.filter((w) => w.state.timer).map((w) => ({ saga_id: w.state.id, due_at: iso(w.state.timer!.dueAtMs) }));
    // A new saga has no timer row yet; an updated one may have.
    const disarmed = writes.filter((w) => !w.state.timer && w.previousVersion !== null).map((w) => w.state.id);
    if (armed.length === 0 && disarmed.length === 0) return;
    await this.run(
      `with disarmed as (delete from saga_timer where saga_id = any(string_to_array(?, ',')::uuid[]))
       insert into saga_timer (saga_id, due_at)
       select saga_id, due_at from json_to_recordset(?::json) as x(saga_id uuid, due_at timestamptz)
       on conflict (saga_id) do update set due_at = excluded.due_at`,
      [disarmed.join(','), JSON.stringify(armed)],
    );
  }

  async claimManualAction(record: ManualActionRecord): Promise<ManualActionRecord | null> {
    const claimed = await this.query(
      `insert into manual_action (idempotency_key, saga_id, action, actor, roles, reason, request, state_before, created_at)
       values (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, now()) on conflict (idempotency_key) do nothing returning idempotency_key`,
      [record.idempotencyKey, record.sagaId, record.action, record.actor, record.roles.join(','), record.reason,
        JSON.stringify(record.request), record.stateBefore ? JSON.stringify(record.stateBefore) : null],
    );
    if (claimed.length > 0) return null;
    const rows = await this.query<ManualActionRow>(
      'select idempotency_key, saga_id, action, actor, roles, reason, request, state_before from manual_action where idempotency_key = ?',
      [record.idempotencyKey],
    );
    const r = rows[0];
    return {
      idempotencyKey: r.idempotency_key, sagaId: r.saga_id, action: r.action, actor: r.actor, roles: r.roles.split(','),
      reason: r.reason, request: r.request, stateBefore: r.state_before,
    };
  }

  async enqueue(messages: (RawOutboxMessage & { step?: string | null })[]): Promise<WrittenOutboxMessage[]> {
    if (messages.length === 0) return [];
    // The rows are inserted in the messages' order (statement after statement), so the sequence
    // hands out ascending ids in that order: the sorted ids are the messages' ids, one for one
    // (an eventId can repeat: re-sends).
    const rows: { id: string }[] = [];
    for (const chunk of jsonChunks(messages.map((m) => ({
      event_id: m.eventId, topic: m.topic, key: m.key, value: m.value, headers: m.headers ?? null,
      saga_id: m.sagaId ?? null, step: m.step ?? null,
    })))) {
      rows.push(...await this.query<{ id: string }>(
        `insert into outbox_message (event_id, topic, key, value, headers, saga_id, step, created_at)
         select event_id, topic, key, value, headers, saga_id, step, now()
         from rows from (json_to_recordset(?::json) as (event_id uuid, topic text, key text, value text, headers jsonb, saga_id uuid, step text))
           with ordinality as x(event_id, topic, key, value, headers, saga_id, step, n)
         order by n
         returning id`,
        [chunk],
      ));
    }
    const ids = rows.map((r) => BigInt(r.id)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    return messages.map((m, i) => ({ id: ids[i].toString(), topic: m.topic, key: m.key, value: m.value, headers: m.headers ?? null }));
  }
}

interface ManualActionRow {
  idempotency_key: string; saga_id: string; action: string; actor: string; roles: string; reason: string | null;
  request: Record<string, unknown>; state_before: Record<string, unknown> | null;
}

function toStored(row: SagaRow): StoredSaga {
  return { state: row.state, version: row.version, eventSeq: row.event_seq };
}

/** Epoch milliseconds to timestamptz in SQL: cheaper than an ISO string per value in JavaScript. */
function msToTimestamp(column: string): string {
  return `to_timestamp(x.${column} / 1000.0)`;
}

function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

/** The columns copied out of the state for filtering; order fields when the data has them. */
function sagaRecord(w: SagaWrite) {
  const s = w.state;
  const data = (s.data ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    id: s.id, type: s.definitionName, definition_version: s.definitionVersion, order_id: s.orderId,
    customer_id: text(data.customerId), status: s.status, current_step: s.currentStep, state: s,
    total_amount: text(data.totalAmount), final_amount: text(data.finalAmount), currency: text(data.currency),
    last_error: s.lastError, version: (w.previousVersion ?? 0) + 1,
    prev_version: w.previousVersion, event_seq: w.previousEventSeq + w.events.length,
    created_at: iso(s.startedAtMs), updated_at: iso(s.updatedAtMs), ended_at: iso(s.endedAtMs),
    payment_methods: paymentMethods(data), failed_step: failedStep(s),
  };
}
