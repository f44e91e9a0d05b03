import type { Pool } from 'pg';
import {
  sagaKeyText, type AnySagaState, type InboxClaim, type InboxEntry, type ManualActionRecord, type RawOutboxMessage, type SagaBusinessKey, type SagaStore,
  type SagaTransaction, type SagaWrite, type StoredSaga, type WrittenOutboxMessage,
} from '../runtime/ports';

import { inPgTransaction, type PgTransaction } from './pg-transaction';
import { SAGA_CHANGES_CHANNEL } from './saga-change-notice';
import {
  msToTimestamp, noSearchKeys, SAGA_COLUMNS, SAGA_RECORD, sagaParts, WRITE_GROUP_CHARS, type FingerprintsByDefinition, type SagaParts, type SearchKeysOf,
} from './saga-rows';
import { groupBySize, jsonChunks } from './sql';

/** Thrown when a saga changed under us; the transaction rolls back and the batch is retried. */
export class OptimisticLockError extends Error {}

interface SagaRow { state: AnySagaState; version: number; event_seq: number }

/**
 * SagaStore on PostgreSQL. Each method is one SQL statement over a whole batch
 * (json_to_recordset), so a consumed batch costs a fixed handful of round trips, not one per
 * message. Tables and indexes are the MikroORM entities' (src/persistence/entities).
 */
export class PostgresSagaStore implements SagaStore {
  /**
   * `fingerprints`: of the registered definitions, stored with each saga they start (none: null);
   * `searchKeys`: what each saga exposes to search, by its module (none: the search columns stay null).
   */
  constructor(
    private readonly pool: Pool,
    private readonly fingerprints: FingerprintsByDefinition = new Map(),
    private readonly searchKeys: SearchKeysOf = noSearchKeys,
  ) {}

  /** On a connection of the engine's own pool (persistence/database.ts: openEnginePool), SQL only. */
  inTransaction<T>(work: (tx: SagaTransaction) => Promise<T>): Promise<T> {
    return inPgTransaction(this.pool, (tx) => work(new PostgresSagaTransaction(tx, this.fingerprints, this.searchKeys)));
  }

  async nextTimerDueAt(): Promise<Date | null> {
    const { rows: [row] } = await this.pool.query<{ due_at: Date | null }>('select min(due_at) as due_at from saga_timer');
    return row?.due_at ? new Date(row.due_at) : null;
  }
}

class PostgresSagaTransaction implements SagaTransaction {
  constructor(private readonly tx: PgTransaction, private readonly fingerprints: FingerprintsByDefinition, private readonly searchKeys: SearchKeysOf) {}

  async claimInboxAndLock(entries: InboxEntry[], sagaIds: string[], keys: SagaBusinessKey[]): Promise<InboxClaim> {
    if (entries.length === 0) {
      return { fresh: new Set(), storedHashes: new Map(), locked: await this.lockSagas(sagaIds), sagaIdsByKey: await this.sagaIdsByKey(keys) };
    }
    const claim: InboxClaim = { fresh: new Set(), storedHashes: new Map(), locked: new Map(), sagaIdsByKey: new Map() };
    const chunks = jsonChunks(entries.map((e) => ({ event_id: e.eventId, topic: e.topic, payload_hash: e.payloadHash })));
    for (const [i, chunk] of chunks.entries()) {
      // Looked up and locked with the first chunk only.
      const ids = i === 0 ? lockOrder(sagaIds) : '';
      const keyed = i === 0 ? keysJson(keys) : '[]';
      // One row per result, not one JSON document: a batch's states would make one huge string.
      const rows = await this.tx.query<{ kind: 'fresh' | 'locked' | 'key'; id: string; state: AnySagaState | null; version: number | null; event_seq: number | null; type: string | null; business_key: string | null }>(
        `with claimed as (
           insert into inbox_message (event_id, topic, payload_hash, received_at)
           select x.event_id, x.topic, x.payload_hash, now() from json_to_recordset(?::json) as x(event_id uuid, topic text, payload_hash text)
           on conflict (event_id) do nothing returning event_id),
         locked as (${LOCK_SAGAS}),
         by_key as (${SAGAS_OF_KEYS})
         select 'fresh' as kind, event_id::text as id, null::json as state, null::int as version, null::int as event_seq, null::text as type, null::text as business_key from claimed
         union all select 'locked', id::text, state, version, event_seq, null, null from locked
         union all select 'key', id::text, null, null, null, type, business_key from by_key`,
        [chunk, ids, keyed],
      );
      for (const r of rows) {
        if (r.kind === 'fresh') claim.fresh.add(r.id);
        else if (r.kind === 'locked') claim.locked.set(r.id, toStored(r as SagaRow));
        else claim.sagaIdsByKey.set(sagaKeyText({ sagaType: r.type!, businessKey: r.business_key! }), r.id);
      }
    }
    // Repeats are rare: only then a second statement reads the hashes they were first claimed
    // with, so the hot path pays one column, not a lookup per message.
    const repeats = [...new Set(entries.filter((e) => !claim.fresh.has(e.eventId)).map((e) => e.eventId))];
    if (repeats.length > 0) {
      const rows = await this.tx.query<{ event_id: string; payload_hash: string }>(
        `select event_id::text as event_id, payload_hash from inbox_message
         where event_id = any(string_to_array(?, ',')::uuid[]) and payload_hash is not null`,
        [repeats.join(',')],
      );
      for (const r of rows) claim.storedHashes.set(r.event_id, r.payload_hash);
    }
    return claim;
  }

  async lockSagas(ids: string[]): Promise<Map<string, StoredSaga>> {
    if (ids.length === 0) return new Map();
    const rows = await this.tx.query<SagaRow>(LOCK_SAGAS, [lockOrder(ids)]);
    return new Map(rows.map((r) => [r.state.id, toStored(r)]));
  }

  async sagaIdsByKey(keys: SagaBusinessKey[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const rows = await this.tx.query<{ id: string; type: string; business_key: string }>(SAGAS_OF_KEYS, [keysJson(keys)]);
    return new Map(rows.map((r) => [sagaKeyText({ sagaType: r.type, businessKey: r.business_key }), r.id]));
  }

  async lockDueTimers(now: Date, limit: number): Promise<StoredSaga[]> {
    const rows = await this.tx.query<SagaRow>(
      `select s.state, s.version, s.event_seq from saga_timer t join saga_instance s on s.id = t.saga_id
       where t.due_at <= ?
       order by t.due_at limit ? for update of s skip locked`,
      [now.toISOString(), limit],
    );
    return rows.map(toStored);
  }

  /**
   * Writes the sagas of one transaction: rows, steps, timers, events, change notices and outbox
   * messages, in one statement (data-modifying CTEs) per ~96 KB of data. Round trips, not rows,
   * are what costs most here: each one wakes PostgreSQL and this process, and on a VM every
   * wake-up is expensive, so eight statements per transaction cost far more than one. The last
   * statement also takes the transaction's commit position (TAKE_COMMIT_POSITION) when it wrote
   * events, in the same round trip.
   */
  async write(writes: SagaWrite[]): Promise<WrittenOutboxMessage[]> {
    const written: WrittenOutboxMessage[] = [];
    const groups = groupBySize(writes.map((w) => sagaParts(w, this.searchKeys(w.state), this.fingerprints)), (p) => p.chars, WRITE_GROUP_CHARS);
    const writesEvents = writes.some((w) => w.events.length > 0);
    // The commit position is taken by the last statement, so the lock is held for the shortest time.
    for (const [i, group] of groups.entries()) written.push(...await this.writeGroup(group, writesEvents && i === groups.length - 1));
    return written;
  }

  private async writeGroup(group: SagaParts[], takeCommitPosition: boolean): Promise<WrittenOutboxMessage[]> {
    const list = (parts: string[]) => `[${parts.join(',')}]`;
    const updates = group.filter((g) => !g.isNew).length;
    const rows = await this.tx.query<{ updated: number; outbox_ids: string[] }>(
      `with
         inserted as (
           insert into saga_instance (${SAGA_COLUMNS})
           select ${SAGA_COLUMNS} from json_to_recordset(?::json) as x(${SAGA_RECORD})),
         changed as (select * from json_to_recordset(?::json) as x(${SAGA_RECORD})),
         updated as (
           update saga_instance s set status = x.status, current_step = x.current_step, state = x.state,
             final_amount = x.final_amount, last_error = x.last_error, version = x.version, event_seq = x.event_seq,
             updated_at = x.updated_at, ended_at = x.ended_at, payment_methods = x.payment_methods, failed_step = x.failed_step
           from changed x
           -- The id list makes it a primary-key lookup at any table size (see SAGAS_OF_KEYS: the
           -- join alone gets a sequential scan from the planner's 100-row guess).
           where s.id = any(array(select id from changed)) and s.id = x.id and s.version = x.prev_version
           returning 1),
         disarmed as (delete from saga_timer where saga_id = any(string_to_array(?, ',')::uuid[])),
         armed as (
           insert into saga_timer (saga_id, due_at)
           select saga_id, ${msToTimestamp('due_ms')} from json_to_recordset(?::json) as x(saga_id uuid, due_ms bigint)
           on conflict (saga_id) do update set due_at = excluded.due_at),
         steps as (
           insert into saga_step (saga_id, name, position, status, attempts, compensation_attempts, last_error, started_at, ended_at)
           select saga_id, name, position, status, attempts, compensation_attempts, last_error, ${msToTimestamp('started_ms')}, ${msToTimestamp('ended_ms')}
           from json_to_recordset(?::json) as x(saga_id uuid, name text, position int, status text, attempts int,
             compensation_attempts int, last_error text, started_ms bigint, ended_ms bigint)
           on conflict (saga_id, name) do update set status = excluded.status, attempts = excluded.attempts,
             compensation_attempts = excluded.compensation_attempts, last_error = excluded.last_error,
             started_at = excluded.started_at, ended_at = excluded.ended_at),
         events as (
           insert into saga_event (saga_id, seq, type, step, detail, actor, created_at)
           select saga_id, seq, type, step, detail, actor, ${msToTimestamp('created_ms')}
           from json_to_recordset(?::json) as x(saga_id uuid, seq int, type text, step text, detail json, actor text, created_ms bigint)),
         outbox as (${INSERT_OUTBOX}),${takeCommitPosition ? `
         committed as (${TAKE_COMMIT_POSITION}),` : ''}
         -- NOTIFY is transactional: every instance hears it after the commit, in commit order.
         notified as (select pg_notify(?, n) from json_array_elements_text(?::json) as n)
       select (select count(*) from updated)::int as updated,
              -- A plain SELECT in WITH runs only if referenced: this makes the NOTIFYs happen.
              (select count(*) from notified)::int as notified,
              array(select o.id::text from outbox o order by o.id) as outbox_ids`,
      [
        list(group.filter((g) => g.isNew).map((g) => g.record)),
        list(group.filter((g) => !g.isNew).map((g) => g.record)),
        group.flatMap((g) => (g.disarmed ? [g.disarmed] : [])).join(','),
        list(group.flatMap((g) => (g.armed ? [g.armed] : []))),
        list(group.flatMap((g) => g.steps)),
        list(group.flatMap((g) => g.events)),
        list(group.flatMap((g) => g.outbox.map((o) => o.json))),
        SAGA_CHANGES_CHANNEL,
        list(group.map((g) => g.notice)),
      ],
    );
    const { updated, outbox_ids: ids } = rows[0];
    if (updated !== updates) throw new OptimisticLockError(`${updates - updated} saga(s) changed concurrently`);
    // The outbox rows were inserted in order, so the ascending ids (sorted as numbers, not as
    // the text they are returned as) are theirs one for one.
    return group.flatMap((g) => g.outbox).map((o, i) => ({ id: ids[i], topic: o.topic, key: o.key, value: o.value, headers: o.headers }));
  }

  async claimManualAction(record: ManualActionRecord): Promise<ManualActionRecord | null> {
    const claimed = await this.tx.query(
      `insert into manual_action (idempotency_key, saga_id, action, actor, roles, reason, request, state_before, created_at)
       values (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, now()) on conflict (idempotency_key) do nothing returning idempotency_key`,
      [record.idempotencyKey, record.sagaId, record.action, record.actor, record.roles.join(','), record.reason,
        JSON.stringify(record.request), record.stateBefore ? JSON.stringify(record.stateBefore) : null],
    );
    if (claimed.length > 0) return null;
    const rows = await this.tx.query<ManualActionRow>(
      'select idempotency_key, saga_id, action, actor, roles, reason, request, state_before from manual_action where idempotency_key = ?',
      [record.idempotencyKey],
    );
    const r = rows[0];
    return {
      idempotencyKey: r.idempotency_key, sagaId: r.saga_id, action: r.action, actor: r.actor, roles: r.roles.split(','),
      reason: r.reason, request: r.request, stateBefore: r.state_before,
    };
  }

  async enqueueDeadLetters(messages: RawOutboxMessage[]): Promise<WrittenOutboxMessage[]> {
    if (messages.length === 0) return [];
    const byId = new Map(messages.map((m) => [m.eventId, m]));
    const written: WrittenOutboxMessage[] = [];
    for (const chunk of jsonChunks([...byId.values()].map((m) => ({
      event_id: m.eventId, topic: m.topic, key: m.key, value: m.value, headers: m.headers ?? null, saga_id: m.sagaId ?? null, step: null,
    })))) {
      const rows = await this.tx.query<{ id: string; event_id: string }>(
        `with claimed as (
           insert into inbox_message (event_id, topic, received_at)
           select x.event_id, x.topic, now() from json_to_recordset(?::json) as x(event_id uuid, topic text)
           on conflict (event_id) do nothing returning event_id)
         insert into outbox_message (event_id, topic, key, value, headers, saga_id, step, created_at)
         select x.event_id, x.topic, x.key, x.value, x.headers, x.saga_id, x.step, now()
         from json_to_recordset(?::json) as x(event_id uuid, topic text, key text, value text, headers jsonb, saga_id uuid, step text)
         where x.event_id in (select event_id from claimed)
         returning id, event_id::text as event_id`,
        [chunk, chunk],
      );
      for (const r of rows) {
        const m = byId.get(r.event_id)!;
        written.push({ id: r.id, topic: m.topic, key: m.key, value: m.value, headers: m.headers ?? null });
      }
    }
    // Published in id order, as the other outbox rows.
    return written.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
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
      rows.push(...await this.tx.query<{ id: string }>(INSERT_OUTBOX, [chunk]));
    }
    const ids = rows.map((r) => BigInt(r.id)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    return messages.map((m, i) => ({ id: ids[i].toString(), topic: m.topic, key: m.key, value: m.value, headers: m.headers ?? null }));
  }
}

/**
 * Advisory lock key (any fixed number no other lock of this database uses) that serialises
 * taking a commit position: held from then until the transaction ends, so positions are handed
 * out in commit order, and a reader that sees a position sees every lower one committed or
 * rolled back.
 */
export const EVENT_COMMIT_LOCK = 7_340_202_612;

/**
 * This transaction's row in saga_event_commit (its position in the feed, in commit order). It
 * takes EVENT_COMMIT_LOCK first: the lock call sits in a subquery that cannot be flattened
 * (offset 0), so it runs before the position's nextval in the insert above it. Written by the
 * transaction's last saga write statement (write); only a dead-letter insert may follow it. On
 * conflict: a transaction that writes twice keeps its first position, already taken under the lock.
 */
const TAKE_COMMIT_POSITION = `insert into saga_event_commit (tx_id)
  select pg_current_xact_id() from (select pg_advisory_xact_lock(${EVENT_COMMIT_LOCK}) offset 0) as locked
  on conflict (tx_id) do nothing`;

/** Loads and row-locks sagas by id; ids sorted (lockOrder) so two transactions cannot deadlock. */
const LOCK_SAGAS = `select id, state, version, event_seq from saga_instance
  where id = any(string_to_array(?, ',')::uuid[]) order by id for update`;

/**
 * Saga ids of business keys (saga type and key), one probe of their unique index per key. A
 * plain join would do, but json_to_recordset promises the planner 100 rows, against which a
 * sequential scan of a table of up to ~10^4 sagas looks cheaper, and then every start reads the
 * whole table; the lateral subquery (kept apart by its limit) can only be probed per key.
 */
const SAGAS_OF_KEYS = `select s.id, s.type, s.business_key
  from (select distinct t, k from json_to_recordset(?::json) as x(t text, k text)) as x
  cross join lateral (select id, type, business_key from saga_instance where type = x.t and business_key = x.k limit 1) as s`;

/**
 * Outbox rows from a JSON array, inserted in the array's order, so the sequence hands out
 * ascending ids in that order; returns the ids.
 */
const INSERT_OUTBOX = `insert into outbox_message (event_id, topic, key, value, headers, saga_id, step, created_at)
  select event_id, topic, key, value, headers, saga_id, step, now()
  from rows from (json_to_recordset(?::json) as (event_id uuid, topic text, key text, value text, headers jsonb, saga_id uuid, step text))
    with ordinality as x(event_id, topic, key, value, headers, saga_id, step, n)
  order by n
  returning id`;

/** Distinct ids as one comma-separated parameter, sorted: the order rows are locked in. */
function lockOrder(ids: string[]): string {
  return [...new Set(ids)].sort().join(',');
}

/** Business keys as one JSON parameter for SAGAS_OF_KEYS. */
function keysJson(keys: SagaBusinessKey[]): string {
  return JSON.stringify(keys.map((k) => ({ t: k.sagaType, k: k.businessKey })));
}

interface ManualActionRow {
  idempotency_key: string; saga_id: string; action: string; actor: string; roles: string; reason: string | null;
  request: Record<string, unknown>; state_before: Record<string, unknown> | null;
}

function toStored(row: SagaRow): StoredSaga {
  return { state: row.state, version: row.version, eventSeq: row.event_seq };
}
