import { randomUUID } from 'node:crypto';
import {
  AbortSagaDocument, BulkActionDocument, BulkActionProgressDocument, CompensateSagaDocument, PreviewBulkActionDocument, RunBulkActionDocument,
  SagasDocument, type SagaFilter,
} from '../../generated/graphql';
import { scenarioCustomerId } from '../../../src/participants';
import { bearer, wsAuth } from '../../helpers/auth';
import { postGraphQL, takeFromSubscription, wsClient } from '../../helpers/graphql';
import { SagaStack, type SagaRow } from '../../helpers/saga-stack';
import { startTestService, type TestService } from '../../helpers/service';
import { eventually } from '../../helpers/services';

const key = () => `key-${randomUUID()}`;
const SILENT = 'silent:ProcessPayment';

/** Bulk actions on a frozen selection through the real server, broker and database. */
describe('bulk actions', () => {
  let stack: SagaStack;
  // Steps wait a minute: a saga whose participant stays silent sits in processPayment for operators.
  beforeAll(async () => { stack = await SagaStack.start({ SAGA_STEP_TIMEOUT_MS: '60000' }, { lateReplyMs: 1000 }); });
  afterAll(() => stack.stop());
  const url = () => stack.service.url;

  /** `count` sagas stuck in processPayment, and a filter that matches them (and later ones like them). */
  async function stuck(count: number): Promise<SagaRow[]> {
    const orders = await Promise.all(Array.from({ length: count }, () => stack.participants.createOrder({ scenario: SILENT, couponCode: 'SAVE10' })));
    return Promise.all(orders.map(async (o) => {
      await eventually(async () => ((await stack.sagaByOrder(o.orderId))?.current_step === 'processPayment' ? true : undefined), 20000, 'saga in processPayment');
      return (await stack.sagaByOrder(o.orderId))!;
    }));
  }
  const filterSince = (since: Date): SagaFilter => ({ status: ['RUNNING'], customerId: scenarioCustomerId(SILENT), startedAfter: since.toISOString() });

  async function preview(filter: SagaFilter, action: 'COMPENSATE' | 'ABORT', role: 'operator' | 'viewer' = 'operator') {
    return postGraphQL(url(), PreviewBulkActionDocument, { filter, action: { action } }, bearer(role));
  }
  async function finished(id: string) {
    return eventually(async () => {
      const { body } = await postGraphQL(url(), BulkActionDocument, { id, first: 100 }, bearer('viewer'));
      return body.data?.bulkAction?.status === 'FINISHED' ? body.data.bulkAction : undefined;
    }, 30000, `bulk action ${id} to finish`);
  }
  const manualActions = async (sagaId: string) => (await stack.events(sagaId)).filter((e) => e.type === 'MANUAL_ACTION');

  it('freezes exactly the matching sagas, compensates exactly those a few at a time, and streams one event per saga and a summary', async () => {
    const since = new Date();
    const selected = await stuck(8);
    const ids = selected.map((s) => s.id);
    const filter = filterSince(since);

    const previewed = await preview(filter, 'COMPENSATE');
    expect(previewed.body.errors).toBeUndefined();
    const p = previewed.body.data!.previewBulkAction;
    expect(p).toMatchObject({ count: 8, truncated: false, action: 'COMPENSATE', step: null });
    expect([...p.sagaIds].sort()).toEqual([...ids].sort());
    // The same filter, the same order as `sagas`.
    const listed = await postGraphQL(url(), SagasDocument, { filter, first: 50 }, bearer('viewer'));
    expect(listed.body.data!.sagas.edges.map((e) => e.node.id)).toEqual(p.sagaIds);
    expect(new Date(p.expiresAt).getTime()).toBeGreaterThan(Date.now() + 10 * 60_000);

    // A saga that starts matching after the preview is not part of the run.
    const [late] = await stuck(1);

    const client = wsClient(url(), wsAuth('viewer'));
    try {
      const progress = takeFromSubscription(client, BulkActionProgressDocument, 9, { id: p.token });
      await new Promise((r) => setTimeout(r, 300)); // let the subscription register
      const ran = await postGraphQL(url(), RunBulkActionDocument, { token: p.token, reason: 'payment provider outage', idempotencyKey: key() }, bearer('operator'));
      expect(ran.body.errors).toBeUndefined();
      expect(ran.body.data!.runBulkAction).toMatchObject({ id: p.token, status: 'RUNNING', total: 8, startedBy: 'operator-user', reason: 'payment provider outage' });

      const events = (await progress).map((e) => e.bulkActionProgress);
      const items = events.slice(0, 8);
      expect(items.every((e) => e.kind === 'ITEM' && e.item!.status === 'SUCCEEDED')).toBe(true);
      expect(items.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(items.map((e) => e.item!.sagaId).sort()).toEqual([...ids].sort());
      expect(events[8]).toMatchObject({ kind: 'SUMMARY', sequence: 8, summary: { status: 'FINISHED', succeeded: 8, failed: 0, skipped: 0, pending: 0 } });
      expect(events[8].summary!.finishedAt).toBeTruthy();
    } finally {
      await client.dispose();
    }

    for (const saga of selected) {
      await stack.waitForStatus(saga.state.businessKey, 'COMPENSATED');
      const manual = await manualActions(saga.id);
      expect(manual).toHaveLength(1);
      expect(manual[0].detail).toMatchObject({ action: 'compensate', actor: 'operator-user', reason: 'payment provider outage' });
    }
    const untouched = (await stack.sagaByOrder(late.state.businessKey))!;
    expect(untouched).toMatchObject({ status: 'RUNNING', current_step: 'processPayment' });
    expect(await manualActions(late.id)).toHaveLength(0);

    // Never more than 4 sagas in flight at once.
    const bulk = await finished(p.token);
    expect(bulk.items).toHaveLength(8);
    const spans = bulk.items.map((i) => [Date.parse(i.startedAt!), Date.parse(i.finishedAt!)] as const);
    const inFlight = Math.max(...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length));
    expect(inFlight).toBeGreaterThanOrEqual(1);
    expect(inFlight).toBeLessThanOrEqual(4);
    expect(bulk.items.map((i) => i.sagaId)).toEqual(p.sagaIds);
    expect(bulk.items.every((i) => i.versionAtPreview === selected.find((s) => s.id === i.sagaId)!.version)).toBe(true);

    // Resumable: after the 6th outcome, the remaining two and the summary, then the stream ends.
    const again = wsClient(url(), wsAuth('viewer'));
    try {
      const rest = (await takeFromSubscription(again, BulkActionProgressDocument, 3, { id: p.token, afterSequence: 6 })).map((e) => e.bulkActionProgress);
      expect(rest.map((e) => [e.kind, e.sequence])).toEqual([['ITEM', 7], ['ITEM', 8], ['SUMMARY', 8]]);
    } finally {
      await again.dispose();
    }
  });

  it('records a saga whose state changed since the preview as FAILED (INVALID_STATE) or SKIPPED, and acts on the others', async () => {
    const since = new Date();
    const [changed, alreadyAborted, ok] = await stuck(3);
    const p = (await preview(filterSince(since), 'ABORT')).body.data!.previewBulkAction;
    expect(p.count).toBe(3);

    // Between preview and run: one is compensated to the end (abort no longer applies), one aborted.
    await postGraphQL(url(), CompensateSagaDocument, { id: changed.id, reason: 'cancelled by phone', idempotencyKey: key() }, bearer('operator'));
    await stack.waitForStatus(changed.state.businessKey, 'COMPENSATED');
    await postGraphQL(url(), AbortSagaDocument, { id: alreadyAborted.id, reason: 'fraud', idempotencyKey: key() }, bearer('operator'));

    const ran = await postGraphQL(url(), RunBulkActionDocument, { token: p.token, reason: 'stop them all', idempotencyKey: key() }, bearer('operator'));
    expect(ran.body.errors).toBeUndefined();
    const bulk = await finished(p.token);
    expect(bulk).toMatchObject({ succeeded: 1, failed: 1, skipped: 1, pending: 0 });
    const bySaga = new Map(bulk.items.map((i) => [i.sagaId, i]));
    expect(bySaga.get(changed.id)).toMatchObject({ status: 'FAILED', code: 'INVALID_STATE' });
    expect(bySaga.get(changed.id)!.message).toMatch(/COMPENSATED/);
    expect(bySaga.get(alreadyAborted.id)).toMatchObject({ status: 'SKIPPED', code: 'ALREADY_DONE' });
    expect(bySaga.get(ok.id)).toMatchObject({ status: 'SUCCEEDED', code: null });
    expect((await stack.sagaByOrder(ok.state.businessKey))!.status).toBe('ABORTED');
    expect((await stack.sagaByOrder(changed.state.businessKey))!.status).toBe('COMPENSATED');
    const failedOnly = await postGraphQL(url(), BulkActionDocument, { id: p.token, status: ['FAILED'] }, bearer('viewer'));
    expect(failedOnly.body.data!.bulkAction!.items.map((i) => i.sagaId)).toEqual([changed.id]);
  });

  it('refuses unknown, expired and already-run tokens, reused keys, bad input and viewers with typed errors', async () => {
    const filter: SagaFilter = { orderId: randomUUID() }; // matches nothing: an empty run
    const viewer = await preview(filter, 'COMPENSATE', 'viewer');
    expect(viewer.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const p = (await preview(filter, 'COMPENSATE')).body.data!.previewBulkAction;
    expect(p).toMatchObject({ count: 0, sagaIds: [] });

    const runKey = key();
    const run = (token: string, idempotencyKey = runKey, role: 'operator' | 'viewer' = 'operator', reason = 'nothing to do') =>
      postGraphQL(url(), RunBulkActionDocument, { token, reason, idempotencyKey }, bearer(role));
    expect((await run(p.token, key(), 'viewer')).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await run(randomUUID(), key())).body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await run('not-a-token', key())).body.errors?.[0].extensions?.code).toBe('NOT_FOUND');

    const first = await run(p.token);
    expect(first.body.errors).toBeUndefined();
    await finished(p.token);
    // The same request again returns the run; the token with another key is refused; the key for another request too.
    expect((await run(p.token)).body.data!.runBulkAction).toMatchObject({ id: p.token, status: 'FINISHED' });
    expect((await run(p.token, key())).body.errors?.[0].extensions?.code).toBe('INVALID_STATE');
    expect((await run(p.token, runKey, 'operator', 'another reason')).body.errors?.[0].extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const other = (await preview(filter, 'ABORT')).body.data!.previewBulkAction;
    expect((await run(other.token)).body.errors?.[0].extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');

    // Expired selection.
    await stack.db.query("update bulk_action set expires_at = now() - interval '1 second' where id = $1", [other.token]);
    const expired = await run(other.token, key());
    expect(expired.body.errors?.[0].extensions?.code).toBe('SELECTION_EXPIRED');
    expect((await postGraphQL(url(), BulkActionDocument, { id: other.token }, bearer('viewer'))).body.data!.bulkAction!.status).toBe('EXPIRED');

    // Bad input.
    const noStep = await postGraphQL(url(), PreviewBulkActionDocument, { filter, action: { action: 'RETRY_STEP' } }, bearer('operator'));
    expect(noStep.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const tooMany = await postGraphQL(url(), PreviewBulkActionDocument, { filter, action: { action: 'ABORT' }, limit: 10001 }, bearer('operator'));
    expect(tooMany.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await postGraphQL(url(), BulkActionDocument, { id: randomUUID() }, bearer('viewer'))).body.data!.bulkAction).toBeNull();
  });

  it('another instance continues a run whose instance died, without acting twice on a saga, and its subscribers see the progress', async () => {
    const since = new Date();
    const selected = await stuck(3);
    const p = (await preview(filterSince(since), 'COMPENSATE')).body.data!.previewBulkAction;
    expect(p.count).toBe(3);
    const reason = 'instance crash drill';
    // The dead instance had started the run and acted on one saga, but died before recording it.
    await postGraphQL(url(), CompensateSagaDocument, { id: selected[0].id, reason, idempotencyKey: `bulk:${p.token}:${selected[0].id}` }, bearer('operator'));
    // The same saga settings: another configuration is refused while sagas run (definition fingerprints).
    const other: TestService = await startTestService({ ...stack.serviceEnv, KAFKA_GROUP_ID: 'unused-' + randomUUID() }, stack.service.database);
    const client = wsClient(other.url, wsAuth('viewer'));
    try {
      const progress = takeFromSubscription(client, BulkActionProgressDocument, 4, { id: p.token });
      await new Promise((r) => setTimeout(r, 300));
      await stack.db.query(
        `update bulk_action set status = 'RUNNING', reason = $2, run_idempotency_key = $3, started_by = 'operator-user', started_roles = 'operator',
           started_at = now(), lease_owner = 'dead-instance', lease_until = now() - interval '1 second' where id = $1`,
        [p.token, reason, key()]);
      const events = (await progress).map((e) => e.bulkActionProgress);
      expect(events.map((e) => e.kind)).toEqual(['ITEM', 'ITEM', 'ITEM', 'SUMMARY']);
      expect(events[3].summary).toMatchObject({ status: 'FINISHED', succeeded: 3, failed: 0 });
    } finally {
      await client.dispose();
      await other.stop();
    }
    for (const saga of selected) {
      await stack.waitForStatus(saga.state.businessKey, 'COMPENSATED');
      expect(await manualActions(saga.id)).toHaveLength(1);
    }
  });
});
