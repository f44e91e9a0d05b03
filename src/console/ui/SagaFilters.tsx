import { useState, type FormEvent } from 'react';
import type { SagaFilter, SagaStatus } from './generated';

export const STATUSES: SagaStatus[] = [
  'RUNNING', 'COMPENSATING', 'COMPLETED', 'COMPENSATED', 'COMPENSATION_FAILED', 'INVENTORY_ERROR',
  'COUPON_ERROR', 'PAYMENT_FAILED', 'APPROVAL_FAILED', 'TIMED_OUT', 'ABORTED',
];

type Form = Record<'type' | 'orderId' | 'customerId' | 'startedAfter' | 'startedBefore' | 'stuckForSeconds' | 'failingStep' | 'lastErrorText' | 'paymentMethod', string>;
const EMPTY: Form = { type: '', orderId: '', customerId: '', startedAfter: '', startedBefore: '', stuckForSeconds: '', failingStep: '', lastErrorText: '', paymentMethod: '' };

/** The `sagas` filter as a form; empty fields do not filter. */
export function SagaFilters({ value, onChange }: { value: SagaFilter; onChange(filter: SagaFilter): void }) {
  const [form, setForm] = useState<Form>(() => fromFilter(value));
  const [statuses, setStatuses] = useState<SagaStatus[]>(() => value.status ?? []);
  const field = (name: keyof Form, label: string, type = 'text') => (
    <label>
      {label}
      <input name={name} type={type} value={form[name]} onChange={(e) => setForm({ ...form, [name]: e.target.value })} />
    </label>
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onChange(toFilter(form, statuses));
  };
  const toggle = (status: SagaStatus) => setStatuses(statuses.includes(status) ? statuses.filter((s) => s !== status) : [...statuses, status]);
  return (
    <form className="filters" onSubmit={submit}>
      <fieldset className="statuses">
        <legend>Status</legend>
        {STATUSES.map((s) => (
          <label key={s}><input type="checkbox" name={`status-${s}`} checked={statuses.includes(s)} onChange={() => toggle(s)} />{s}</label>
        ))}
      </fieldset>
      <div className="fields">
        {field('type', 'Type')}
        {field('orderId', 'Order id')}
        {field('customerId', 'Customer')}
        {field('paymentMethod', 'Payment method')}
        {field('startedAfter', 'Started after', 'datetime-local')}
        {field('startedBefore', 'Started before', 'datetime-local')}
        {field('stuckForSeconds', 'Stuck for (s)', 'number')}
        {field('failingStep', 'Failing step')}
        {field('lastErrorText', 'Error text')}
      </div>
      <button type="submit">Apply</button>
      <button type="button" onClick={() => { setForm(EMPTY); setStatuses([]); onChange({}); }}>Clear</button>
    </form>
  );
}

function toFilter(form: Form, statuses: SagaStatus[]): SagaFilter {
  const filter: SagaFilter = {};
  if (statuses.length) filter.status = statuses;
  for (const key of ['type', 'orderId', 'customerId', 'failingStep', 'lastErrorText', 'paymentMethod'] as const) {
    if (form[key].trim()) filter[key] = form[key].trim();
  }
  if (form.startedAfter) filter.startedAfter = new Date(form.startedAfter).toISOString();
  if (form.startedBefore) filter.startedBefore = new Date(form.startedBefore).toISOString();
  if (form.stuckForSeconds) filter.stuckForSeconds = Number(form.stuckForSeconds);
  return filter;
}

function fromFilter(filter: SagaFilter): Form {
  const local = (iso?: string | null) => (iso ? new Date(new Date(iso).getTime() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16) : '');
  return {
    type: filter.type ?? '', orderId: String(filter.orderId ?? ''), customerId: filter.customerId ?? '', paymentMethod: filter.paymentMethod ?? '',
    startedAfter: local(filter.startedAfter), startedBefore: local(filter.startedBefore),
    stuckForSeconds: filter.stuckForSeconds ? String(filter.stuckForSeconds) : '', failingStep: filter.failingStep ?? '', lastErrorText: filter.lastErrorText ?? '',
  };
}
