import { definitionKey } from '../core/fingerprint';
import { nextDueAtMs } from '../core/unkept';
import { NO_SEARCH_KEYS, type AnySagaState, type SagaSearchKeys, type SagaWrite } from '../runtime/ports';
import { encodeSagaChangeNotice } from './saga-change-notice';
import { failedStep } from './search-keys';

/**
 * How one saga's write becomes rows: its saga_instance record, step rows, events, timer and
 * outbox rows, each already as JSON for json_to_recordset (see PostgresSagaTransaction.write).
 */

/** Epoch milliseconds to timestamptz in SQL: cheaper than an ISO string per value in JavaScript. */
export function msToTimestamp(column: string): string {
  return `to_timestamp(x.${column} / 1000.0)`;
}

function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

/** A saga's search keys, by its module (RegisteredSagas.searchKeys). */
export type SearchKeysOf = (state: AnySagaState) => SagaSearchKeys;

export const noSearchKeys: SearchKeysOf = () => NO_SEARCH_KEYS;

/** The fingerprint of each registered definition by name@version (core/fingerprint.ts). */
export type FingerprintsByDefinition = ReadonlyMap<string, string>;

/**
 * The columns copied out of the state for filtering, with the search keys its saga module
 * exposes. A new saga also gets its definition's fingerprint, which no update changes.
 */
function sagaRecord(w: SagaWrite, keys: SagaSearchKeys, fingerprints: FingerprintsByDefinition) {
  const s = w.state;
  return {
    id: s.id, type: s.definitionName, definition_version: s.definitionVersion, business_key: s.businessKey, order_id: keys.orderId,
    customer_id: keys.customerId, status: s.status, current_step: s.currentStep, state: s,
    total_amount: keys.totalAmount, final_amount: keys.finalAmount, currency: keys.currency,
    last_error: s.lastError, version: (w.previousVersion ?? 0) + 1,
    prev_version: w.previousVersion, event_seq: w.previousEventSeq + w.events.length,
    created_at: iso(s.startedAtMs), updated_at: iso(s.updatedAtMs), ended_at: iso(s.endedAtMs),
    payment_methods: keys.paymentMethods, failed_step: failedStep(s),
    ...(w.previousVersion === null ? { fingerprint: fingerprints.get(definitionKey(s.definitionName, s.definitionVersion)) ?? null } : {}),
  };
}

/** Columns of saga_instance written from a saga record (sagaRecord). */
export const SAGA_COLUMNS = `id, type, definition_version, business_key, order_id, customer_id, status, current_step, state, total_amount,
  final_amount, currency, last_error, version, event_seq, created_at, updated_at, ended_at, payment_methods, failed_step, fingerprint`;

/** The shape of a saga record in json_to_recordset. */
export const SAGA_RECORD = `id uuid, type text, definition_version int, business_key text, order_id uuid, customer_id text, status text,
  current_step text, state json, total_amount numeric, final_amount numeric, currency text, last_error text,
  version int, prev_version int, event_seq int, created_at timestamptz,
  updated_at timestamptz, ended_at timestamptz, payment_methods text[], failed_step text, fingerprint text`;

/**
 * Data per write statement. Above ~128 KB, strings and buffers get fresh memory from the kernel
 * (V8's large-object space, glibc, PostgreSQL's message buffer), and page faults are expensive
 * on VMs; below it, one statement per transaction is the common case (README, Benchmarks:
 * "Statement sizes").
 */
export const WRITE_GROUP_CHARS = 96_000;

/** One saga's part of a write statement, each row already as JSON. */
export interface SagaParts {
  isNew: boolean;
  record: string;
  steps: string[];
  events: string[];
  outbox: { json: string; topic: string; key: string; value: string; headers: Record<string, string> | null }[];
  armed: string | null;
  disarmed: string | null;
  notice: string;
  chars: number;
}

export function sagaParts(w: SagaWrite, keys: SagaSearchKeys, fingerprints: FingerprintsByDefinition = new Map()): SagaParts {
  const id = w.state.id;
  const steps = (w.changedSteps ?? w.state.steps.map((_, i) => i)).map((position) => {
    const step = w.state.steps[position];
    return JSON.stringify({
      saga_id: id, name: step.name, position, status: step.status, attempts: step.attempts,
      compensation_attempts: step.compensationAttempts, last_error: step.lastError,
      started_ms: step.startedAtMs, ended_ms: step.endedAtMs ?? step.compensationEndedAtMs,
    });
  });
  const events = w.events.map((event, i) => JSON.stringify({
    saga_id: id, seq: w.previousEventSeq + i + 1, type: event.type, step: event.step,
    detail: event.detail, actor: w.actor, created_ms: event.atMs,
  }));
  const outbox = w.outbox.map((m) => {
    const value = JSON.stringify(m.value);
    const headers = m.headers ?? null;
    return { topic: m.topic, key: m.key, value, headers, json: JSON.stringify({ event_id: m.eventId, topic: m.topic, key: m.key, value, headers, saga_id: id, step: m.step }) };
  });
  const record = JSON.stringify(sagaRecord(w, keys, fingerprints));
  // A new saga has no timer row yet; an updated one may have.
  const dueMs = nextDueAtMs(w.state);
  const armed = dueMs !== null ? JSON.stringify({ saga_id: id, due_ms: dueMs }) : null;
  const disarmed = dueMs === null && w.previousVersion !== null ? id : null;
  // A JSON string inside the statement's JSON array of notices (json_array_elements_text).
  const notice = JSON.stringify(encodeSagaChangeNotice({
    sagaId: id, version: (w.previousVersion ?? 0) + 1, fromSeq: w.previousEventSeq, toSeq: w.previousEventSeq + w.events.length,
  }));
  const chars = record.length + notice.length + steps.reduce((n, x) => n + x.length, 0) + events.reduce((n, x) => n + x.length, 0)
    + outbox.reduce((n, x) => n + x.json.length, 0);
  return { isNew: w.previousVersion === null, record, steps, events, outbox, armed, disarmed, notice, chars };
}
