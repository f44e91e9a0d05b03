/**
 * Search benchmark: `sagas(filter)` by business keys on a table of 1,000,000 sagas.
 *
 *   npm run bench:search                              1,000,000 rows, 40 searches per type
 *   BENCH_SEARCH_ROWS=100000 npm run bench:search     smaller table
 *
 * Creates a fresh database on the server of BENCH_PG_ADMIN_URL / DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres), applies the migrations (openDatabase), fills
 * saga_instance with one `insert ... select from generate_series` (state JSON built in SQL: a
 * realistic mix of statuses, ~100k customers, single and split payments, amounts, failed steps
 * and error texts), VACUUM ANALYZEs it, then runs every search type through
 * SagaReadRepository.list() + count() (the code path of the GraphQL `sagas` connection with
 * totalCount) with random keys and prints p50/p95 per type, the index each plan uses, the load
 * time and the table and index sizes. Drops the database at the end.
 *
 * Environment: BENCH_SEARCH_ROWS (1000000), BENCH_SEARCH_RUNS (40 per type), BENCH_SEARCH_PAGE
 * (20, the GraphQL default page), BENCH_SEED, BENCH_PG_ADMIN_URL, BENCH_SEARCH_KEEP_DB=1 (keep
 * the database, print its URL).
 */
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { openDatabase } from '../src/persistence/database';
import { SagaReadRepository } from '../src/persistence/saga-read-repository';
import { ms, seededRandom, summarize, table } from './lib/stats';
import { intEnv } from './lib/env';
import type { SagaListFilter } from '../src/runtime/ports';

const opts = {
  rows: intEnv('BENCH_SEARCH_ROWS', 1_000_000, 1000),
  runs: intEnv('BENCH_SEARCH_RUNS', 40, 1),
  page: intEnv('BENCH_SEARCH_PAGE', 20, 1),
  seed: intEnv('BENCH_SEED', Date.now() % 2 ** 31, 0),
  adminUrl: process.env.BENCH_PG_ADMIN_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  keep: !!process.env.BENCH_SEARCH_KEEP_DB && process.env.BENCH_SEARCH_KEEP_DB !== '0',
};

const started = performance.now();
const log = (msg: string) => process.stderr.write(`[bench:search ${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);

// ---------------------------------------------------------------------------------- data

const STEPS = ['reserveInventory', 'applyCoupon', 'processPayment', 'confirmInventory'];
const COMMANDS = ['ReserveInventory', 'ApplyCoupon', 'ProcessPayment', 'ConfirmInventory'];
const CUSTOMERS = 100_000;
/** Single methods, then splits; `pm` is a percentile 0..99 of the mix (see PAYMENTS below). */
const METHODS = ['CREDIT_CARD', 'DEBIT_CARD', 'PAYPAL', 'APPLE_PAY', 'BANK_TRANSFER', 'KLARNA', 'GIFT_CARD', 'LOYALTY_POINTS'];

/** The order id / saga id of row i, as the SQL below makes them (md5 of a text, as a uuid). */
const md5Uuid = (text: string) => createHash('md5').update(text).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

/**
 * JSON as SQL text concatenation, cast to jsonb once per row: several times faster than
 * jsonb_build_object, which looks up every argument's type on every call. The generated strings
 * never contain quotes or backslashes, so no escaping is needed.
 */
type Part = { lit: string } | { sql: string };
const S = (e: string): Part[] => [{ sql: `coalesce('"' || (${e}) || '"', 'null')` }];
const N = (e: string): Part[] => [{ sql: `coalesce((${e})::text, 'null')` }];
const J = (e: string): Part[] => [{ sql: `(${e})` }];
const L = (v: unknown): Part[] => [{ lit: JSON.stringify(v) }];
const obj = (fields: Record<string, Part[]>): Part[] => [
  { lit: '{' }, ...Object.entries(fields).flatMap(([k, v], i) => [{ lit: `${i ? ',' : ''}"${k}":` }, ...v]), { lit: '}' },
];
const arr = (items: Part[][]): Part[] => [{ lit: '[' }, ...items.flatMap((v, i) => (i ? [{ lit: ',' }, ...v] : v)), { lit: ']' }];
function sqlText(parts: Part[]): string {
  const merged: Part[] = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if ('lit' in p && last && 'lit' in last) merged[merged.length - 1] = { lit: last.lit + p.lit };
    else merged.push(p);
  }
  return merged.map((p) => ('lit' in p ? `'${p.lit.replace(/'/g, "''")}'` : p.sql)).join(' || ');
}

/**
 * One statement. The `offset 0` fences keep PostgreSQL from flattening the nested selects, which
 * would copy every derived expression into each place that uses it. r(k) is a per-row hash (hashint8extended(i, k)), so the data are the same on
 * every run and every column draws from its own stream. Row i starts at now() - 180 days + i *
 * 180 days / rows; only the newest 20,000 may still be in flight.
 */
function insertSql(rows: number): string {
  const r = (k: number) => `(hashint8extended(i, ${k}) & 2147483647)`;
  const stepNames = `array[${STEPS.map((s) => `'${s}'`).join(',')}]`;
  const commands = `array[${COMMANDS.map((s) => `'${s}'`).join(',')}]`;
  // Step k (1-based) as the engine would have left it, from the saga status and the failed step fs (0-based).
  const stepStatus = (k: number) => `case
      when ${k} = 2 and coupon is null and (fs is null or fs <> 1) then 'SKIPPED'
      when status = 'COMPLETED' then 'SUCCEEDED'
      when status = 'RUNNING' then case when ${k - 1} < fs then 'SUCCEEDED' when ${k - 1} = fs then 'RUNNING' else 'PENDING' end
      when ${k - 1} > fs then 'PENDING'
      when ${k - 1} = fs then 'FAILED'
      when status = 'ABORTED' then 'SUCCEEDED'
      when status = 'COMPENSATING' then case when ${k - 1} = fs - 1 then 'COMPENSATING' else 'SUCCEEDED' end
      when status = 'COMPENSATION_FAILED' and ${k} = 1 then 'COMPENSATING'
      else 'COMPENSATED' end as st${k}`;
  const started = (k: number) => `st${k} not in ('PENDING', 'SKIPPED')`;
  const stepJson = (k: number) => obj({
    name: L(STEPS[k - 1]), status: S(`st${k}`), attempts: N(`case when ${started(k)} then 1 else 0 end`),
    compensationAttempts: N(`case when st${k} in ('COMPENSATED', 'COMPENSATING') then 1 else 0 end`),
    lastError: S(`case when fs = ${k - 1} then last_error end`),
    startedAtMs: N(`case when ${started(k)} then start_ms + ${k * 40} end`),
    endedAtMs: N(`case when ${started(k)} and st${k} <> 'RUNNING' then start_ms + ${k * 40 + 35} end`),
    compensationStartedAtMs: L(null), compensationEndedAtMs: L(null),
    commandEventIds: J(`case when ${started(k)} then '["' || left(order_id::text, 24) || lpad(to_hex(${k} * 4096 + i % 4096), 12, '0') || '"]' else '[]' end`),
    compensationEventIds: L([]), commands: L([]), compensationCommands: L([]), replyEventIds: L([]),
    needsCompensation: N(`st${k} = 'SUCCEEDED' and status <> 'COMPLETED'`),
  });
  const endedMs = `case when status not in ('RUNNING', 'COMPENSATING', 'COMPENSATION_FAILED') then start_ms + duration_ms end`;
  const state = obj({
    id: S('id'), definitionName: L('order'), definitionVersion: L(1), businessKey: S('order_id'), correlationId: S(`md5(i || 'c')::uuid`),
    status: S('status'), failureStatus: S('failure_status'), failureReason: S('last_error'), currentStep: S('current_step'),
    data: obj({
      orderId: S('order_id'), customerId: S('customer_id'), orderNumber: S(`'ORD-' || lpad(i::text, 8, '0')`), currency: L('EUR'),
      items: arr([obj({ productId: S(`'prod-' || sku`), sku: S(`'SKU-' || sku`), quantity: L(1), unitPrice: S('total') })]),
      totalAmount: S('total'), couponCode: S('coupon'), payments: J('payments'),
      couponApplied: N(`coupon is not null and status = 'COMPLETED'`), discountAmount: L('0.00'), finalAmount: S('total'),
      reservationId: S(`case when fs is distinct from 0 then 'res-' || left(md5(i || 'r'), 12) end`),
      paymentIds: L([]), paymentParts: L([]),
    }),
    steps: arr(STEPS.map((_, i) => stepJson(i + 1))),
    timer: L(null), outcomeSent: N(`status not in ('RUNNING', 'COMPENSATING')`), startedAtMs: N('start_ms'),
    updatedAtMs: N('start_ms + duration_ms'), endedAtMs: N(endedMs), lastError: S('last_error'), warnings: L([]),
  });
  const part = (amount: string) => obj({ paymentMethod: S('m'), amount: S(amount) });
  return `
insert into saga_instance (id, type, definition_version, business_key, order_id, customer_id, status, current_step, state,
  total_amount, final_amount, currency, last_error, version, event_seq, created_at, updated_at, ended_at,
  payment_methods, failed_step)
select id, 'order', 1, order_id::text, order_id, customer_id, status, current_step,
  (${sqlText(state)})::json,
  total, total, 'EUR', last_error, 3 + coalesce(fs, 3), 6 + 2 * coalesce(fs, 3),
  created_at, created_at + duration_ms * interval '1 millisecond',
  case when status not in ('RUNNING', 'COMPENSATING', 'COMPENSATION_FAILED') then created_at + duration_ms * interval '1 millisecond' end,
  methods, case when status not in ('COMPLETED', 'RUNNING') then (${stepNames})[fs + 1] end
from (
  select *, (extract(epoch from created_at) * 1000)::bigint as start_ms,
    case when status in ('RUNNING', 'COMPENSATING') then null else
      case status
        when 'INVENTORY_ERROR' then 'SKU-' || sku || ' out of stock: requested ' || (1 + ${r(9)} % 5) || ', available 0'
        when 'COUPON_ERROR' then 'coupon ' || coupon || ' rejected: expired on 2026-' || lpad((1 + ${r(9)} % 12)::text, 2, '0') || '-01'
        when 'APPROVAL_FAILED' then 'inventory confirmation failed: reservation res-' || left(md5(i || 'r'), 12) || ' expired'
        when 'TIMED_OUT' then 'no reply to ' || (${commands})[fs + 1] || ' after 3 attempts (timeout 30000 ms)'
        when 'COMPENSATION_FAILED' then 'no reply to ReleaseInventory after 3 attempts (timeout 30000 ms)'
        when 'ABORTED' then 'aborted by ops-' || (${r(9)} % 20) || ': customer requested cancellation'
        when 'COMPENSATED' then 'compensated by ops-' || (${r(9)} % 20) || ': fraud suspicion on order'
        else null end
    end as err0
  from (
    select i, order_id, id, customer_id, status, fs, sku, coupon, total, created_at, methods,
      case when cardinality(methods) = 1 then '[{"paymentMethod":"' || methods[1] || '","amount":"' || total || '"}]'
        else '[' || (select string_agg(${sqlText(part(`case when j = cardinality(methods)
            then total - round(total * 0.6, 2) - case when cardinality(methods) = 3 then round(total * 0.25, 2) else 0 end
            when j = 1 then round(total * 0.6, 2) else round(total * 0.25, 2) end`))}, ',' order by j)
          from unnest(methods) with ordinality as p(m, j)) || ']' end as payments,
      case when status in ('TIMED_OUT') then 90000 + ${r(10)} % 5000 else 150 + ${r(10)} % 3000 end as duration_ms,
      case when status in ('RUNNING', 'COMPENSATING') then null
        when status = 'COMPENSATION_FAILED' then 'reserveInventory'
        else null end as current_step0
    from (
      select i, md5(i || 'o')::uuid as order_id, md5(i || 's')::uuid as id,
        'cust-' || lpad((${r(2)} % ${CUSTOMERS})::text, 6, '0') as customer_id,
        st as status,
        case st
          when 'COMPLETED' then null
          when 'INVENTORY_ERROR' then 0 when 'COUPON_ERROR' then 1 when 'PAYMENT_FAILED' then 2 when 'APPROVAL_FAILED' then 3
          when 'TIMED_OUT' then (array[0, 0, 1, 2, 2, 2, 2, 2, 3, 3])[1 + ${r(3)} % 10]
          when 'COMPENSATING' then 2 + ${r(3)} % 2 when 'COMPENSATION_FAILED' then 2 + ${r(3)} % 2
          else ${r(3)} % 4 end as fs,
        1000 + ${r(4)} % 90000 as sku,
        case when ${r(5)} % 10 < 3 or st = 'COUPON_ERROR' then 'SAVE' || (5 + 5 * (${r(5)} % 4)) end as coupon,
        round((4.99 + power((${r(6)} % 100000) / 100000.0, 3) * 1995)::numeric, 2) as total,
        now() - interval '180 days' + i * (interval '180 days' / ${rows}) + (${r(7)} % 10000) * interval '1 millisecond' as created_at,
        case when pm < 42 then '{CREDIT_CARD}' when pm < 57 then '{DEBIT_CARD}' when pm < 69 then '{PAYPAL}'
          when pm < 75 then '{APPLE_PAY}' when pm < 78 then '{BANK_TRANSFER}' when pm < 80 then '{KLARNA}'
          when pm < 88 then '{CREDIT_CARD,GIFT_CARD}' when pm < 93 then '{PAYPAL,GIFT_CARD}'
          when pm < 97 then '{CREDIT_CARD,LOYALTY_POINTS}' else '{DEBIT_CARD,GIFT_CARD,LOYALTY_POINTS}' end::text[] as methods
      from (
        select i, ${r(8)} % 100 as pm,
          case
            when u < 8000 then 'COMPLETED' when u < 8700 then 'PAYMENT_FAILED' when u < 9100 then 'INVENTORY_ERROR'
            when u < 9200 then 'COUPON_ERROR' when u < 9300 then 'APPROVAL_FAILED' when u < 9500 then 'TIMED_OUT'
            when u < 9550 then 'COMPENSATION_FAILED' when u < 9580 then 'ABORTED' when u < 9650 then 'COMPENSATED'
            when i <= ${rows} - 20000 then 'COMPLETED'
            when u < 9950 then 'RUNNING' else 'COMPENSATING' end as st
        from (select i, ${r(1)} % 10000 as u from generate_series(1, ${rows}) as i offset 0) g offset 0
      ) a offset 0
    ) b offset 0
  ) c offset 0
) d
cross join lateral (select
  coalesce(err0, case when status = 'PAYMENT_FAILED' or status = 'COMPENSATING' then
    case ${r(11)} % 4
      when 0 then 'payment declined: insufficient funds (card ending ' || lpad((${r(12)} % 10000)::text, 4, '0') || ')'
      when 1 then 'payment declined: card expired'
      when 2 then 'payment provider error: 502 Bad Gateway from psp-gateway-' || (${r(12)} % 40)
      else case when cardinality(methods) > 1 then 'split payment part ' || methods[2] || ' failed: balance too low'
                else 'payment declined: do not honor' end end end) as last_error,
  case when status = 'COMPENSATING' then (${stepNames})[fs] when status = 'RUNNING' then (${stepNames})[fs + 1] else current_step0 end as current_step,
  case when status in ('COMPLETED', 'RUNNING', 'ABORTED') then null
    when status in ('COMPENSATING', 'COMPENSATION_FAILED') then
      case fs when 2 then 'PAYMENT_FAILED' else 'APPROVAL_FAILED' end
    else status end as failure_status,
  ${STEPS.map((_, i) => stepStatus(i + 1)).join(',\n  ')}
  offset 0) e`;
}

// ---------------------------------------------------------------------------------- searches

/** Captures the SQL of each query so the same statement can be EXPLAINed. */
class ExplainingReads extends SagaReadRepository {
  last: { sql: string; params: unknown[] } | null = null;

  protected override query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    this.last = { sql, params };
    return super.query<T>(sql, params);
  }

  /** Index names the plan of the last query scans (or `Seq Scan`). */
  async planOfLast(): Promise<string> {
    const last = this.last!;
    const rows = await super.query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${last.sql}`, last.params);
    const found = new Set<string>();
    const walk = (node: unknown) => {
      if (Array.isArray(node)) { node.forEach(walk); return; }
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (typeof n['Index Name'] === 'string') found.add(String(n['Index Name']).replace(/^saga_instance_/, ''));
      if (n['Node Type'] === 'Seq Scan') found.add('SEQ SCAN');
      for (const v of Object.values(n)) if (typeof v === 'object') walk(v);
    };
    walk(rows[0]['QUERY PLAN']);
    return [...found].sort().join('+') || '-';
  }
}

interface SearchType { name: string; key: (random: () => number) => SagaListFilter }

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)];
const amountWindow = (random: () => number, width: number) => {
  // Totals are 4.99 + 1995 * u^3: pick a lower bound with the same skew.
  const min = 4.99 + Math.pow(random(), 3) * 1995;
  return { minAmount: min.toFixed(2), maxAmount: (min + width).toFixed(2) };
};
const ERROR_TEXTS = (random: () => number) => pick<() => string>([
  () => 'insufficient funds',
  () => `card ending ${String(Math.floor(random() * 10000)).padStart(4, '0')}`,
  () => `SKU-${1000 + Math.floor(random() * 90000)} out of stock`,
  () => `psp-gateway-${Math.floor(random() * 40)}`,
  () => 'timeout',
  () => 'reservation res-',
], random)();

function searchTypes(rows: number): SearchType[] {
  const row = (random: () => number) => 1 + Math.floor(random() * rows);
  return [
    { name: 'orderId', key: (random) => ({ orderId: md5Uuid(`${row(random)}o`) }) },
    { name: 'customerId', key: (random) => ({ customerId: `cust-${String(Math.floor(random() * CUSTOMERS)).padStart(6, '0')}` }) },
    { name: 'paymentMethod', key: (random) => ({ paymentMethod: pick(METHODS, random) }) },
    { name: 'amount range (10.00 wide)', key: (random) => amountWindow(random, 10) },
    { name: 'failingStep', key: (random) => ({ failedStep: pick(STEPS, random) }) },
    { name: 'lastErrorText', key: (random) => ({ lastErrorText: ERROR_TEXTS(random) }) },
    {
      name: 'combined (status+method+amount+step)',
      key: (random) => ({
        statuses: ['PAYMENT_FAILED', 'COMPENSATING', 'COMPENSATION_FAILED'], paymentMethod: pick(['GIFT_CARD', 'PAYPAL', 'KLARNA', 'LOYALTY_POINTS'], random),
        ...amountWindow(random, 200), failedStep: 'processPayment',
      }),
    },
    {
      name: 'combined (last 7 days+error text)',
      key: (random) => ({ startedAfter: new Date(Date.now() - 7 * 24 * 3600_000), lastErrorText: pick(['declined', 'out of stock', 'timeout', 'psp-gateway-1'], random) }),
    },
  ];
}

// ---------------------------------------------------------------------------------- main

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: opts.adminUrl });
  await client.connect();
  try { return await work(client); } finally { await client.end(); }
}

const mb = (bytes: number | string) => `${(Number(bytes) / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const dbName = `saga_search_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(opts.adminUrl);
  url.pathname = `/${dbName}`;
  log(`creating database ${dbName} (${opts.rows} rows, ${opts.runs} searches per type, seed ${opts.seed})`);
  await withAdmin((c) => c.query(`create database ${dbName}`));
  const orm = await openDatabase(url.toString(), 2);
  const load = new Client({ connectionString: url.toString() });
  await load.connect();
  try {
    const server = (await load.query<{ server_version: string }>('show server_version')).rows[0].server_version;
    await load.query("set synchronous_commit = off; set maintenance_work_mem = '512MB'; set work_mem = '64MB'");
    let t = performance.now();
    await load.query(insertSql(opts.rows));
    const insertMs = performance.now() - t;
    log(`inserted ${opts.rows} rows in ${(insertMs / 1000).toFixed(1)} s`);
    t = performance.now();
    await load.query('vacuum (analyze) saga_instance');
    const vacuumMs = performance.now() - t;
    log(`vacuum analyze in ${(vacuumMs / 1000).toFixed(1)} s`);

    const mix = await load.query<{ status: string; n: number; failed: number }>(
      'select status, count(*)::int as n from saga_instance group by status order by n desc');
    const sizes = (await load.query<{ heap: string; toast: string; indexes: string; total: string }>(
      `select pg_relation_size('saga_instance') as heap, coalesce(pg_total_relation_size(reltoastrelid), 0) as toast,
              pg_indexes_size('saga_instance') as indexes, pg_total_relation_size('saga_instance') as total
       from pg_class where relname = 'saga_instance'`)).rows[0];
    const indexSizes = (await load.query<{ name: string; size: string }>(
      `select indexrelname as name, pg_relation_size(indexrelid) as size from pg_stat_user_indexes
       where relname = 'saga_instance' order by pg_relation_size(indexrelid) desc`)).rows;

    const reads = new ExplainingReads(orm);
    const random = seededRandom(opts.seed);
    const results: (string | number)[][] = [];
    const plans: string[] = [];
    for (const type of searchTypes(opts.rows)) {
      const list: number[] = [];
      const count: number[] = [];
      const total: number[] = [];
      const matches: number[] = [];
      const listPlans = new Map<string, number>();
      const countPlans = new Map<string, number>();
      for (let run = -3; run < opts.runs; run++) {
        const filter = type.key(random);
        const t0 = performance.now();
        await reads.list(filter, opts.page, null);
        const t1 = performance.now();
        const listPlan = await reads.planOfLast();
        const t2 = performance.now();
        const n = await reads.count(filter);
        const t3 = performance.now();
        const countPlan = await reads.planOfLast();
        if (run < 0) continue; // warm-up
        list.push(t1 - t0);
        count.push(t3 - t2);
        total.push(t1 - t0 + t3 - t2);
        matches.push(n);
        listPlans.set(listPlan, (listPlans.get(listPlan) ?? 0) + 1);
        countPlans.set(countPlan, (countPlans.get(countPlan) ?? 0) + 1);
      }
      const l = summarize(list);
      const c = summarize(count);
      const s = summarize(total);
      const m = summarize(matches);
      results.push([type.name, ms(l.p50), ms(l.p95), ms(c.p50), ms(c.p95), ms(s.p50), ms(s.p95), `${m.min}..${m.p50}..${m.max}`]);
      const fmt = (p: Map<string, number>) => [...p].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} x${v}`).join(', ');
      plans.push(`  ${type.name}\n    list:  ${fmt(listPlans)}\n    count: ${fmt(countPlans)}`);
      log(`${type.name}: list+count p50 ${ms(s.p50)} ms, p95 ${ms(s.p95)} ms`);
    }

    const out = [
      '',
      `search benchmark: ${opts.rows.toLocaleString('en-US')} sagas, PostgreSQL ${server}, ${opts.runs} random keys per type, page of ${opts.page}, seed ${opts.seed}`,
      `load: insert ... select from generate_series ${(insertMs / 1000).toFixed(1)} s (with every index in place), vacuum analyze ${(vacuumMs / 1000).toFixed(1)} s`,
      `statuses: ${mix.rows.map((r) => `${r.status} ${r.n}`).join(', ')}`,
      `saga_instance: heap ${mb(sizes.heap)}, toast ${mb(sizes.toast)}, indexes ${mb(sizes.indexes)}, total ${mb(sizes.total)}`,
      `indexes: ${indexSizes.map((i) => `${i.name.replace(/^saga_instance_/, '')} ${mb(i.size)}`).join(', ')}`,
      '',
      'latency in ms: list() = first page (GraphQL `sagas(filter, first)`), count() = totalCount',
      table(['search', 'list p50', 'list p95', 'count p50', 'count p95', 'both p50', 'both p95', 'matches min..p50..max'], results),
      '',
      'indexes used by the plans (EXPLAIN of the very statements run, per key; x = how many keys got that plan):',
      ...plans,
      '',
    ];
    process.stdout.write(out.join('\n'));
  } finally {
    await load.end();
    await orm.close(true);
    if (opts.keep) log(`kept ${url.toString()}`);
    else await withAdmin((c) => c.query(`drop database if exists ${dbName} with (force)`));
    log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
