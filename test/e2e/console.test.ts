import { join } from 'node:path';
import pino from 'pino';
import { Client } from 'pg';
import type { BrowserContext, Page } from 'playwright-core';
import { KafkaTransport } from '../../src/messaging/kafka-transport';
import { PrefixedTransport } from '../../src/messaging/prefixed-transport';
import { startParticipants, type Participants } from '../../src/participants';
import { RetryStepDocument } from '../generated/graphql';
import { bearer, TEST_AUTH_TOKENS, TEST_TOKENS } from '../helpers/auth';
import { launchBrowser } from '../helpers/browser';
import { postGraphQL } from '../helpers/graphql';
import { OrchestratorProcess } from '../helpers/orchestrator-process';
import { createTestDatabase, eventually, kafkaBrokers, uniqueName, type TestDatabase } from '../helpers/services';
import { freePort } from '../helpers/ports';

/**
 * The console in a real browser (Debian's chromium) against the real service (a separate process,
 * so it can be killed), broker and database, with simulated participants. Orders with the
 * `silent:ProcessPayment` scenario wait on a payment that never answers: the sagas an operator
 * must step in on.
 */
jest.setTimeout(240000);

const SILENT_PAYMENT = 'silent:ProcessPayment';
const WAIT = { timeout: 30000 };

describe('the console in a browser', () => {
  let db: TestDatabase;
  let pg: Client;
  let transport: PrefixedTransport;
  let participants: Participants;
  let service: OrchestratorProcess;
  let env: Record<string, string>;
  let base: string;
  let browser: { context: BrowserContext; close(): Promise<void> };

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    const prefix = `${uniqueName('console')}.`;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      DATABASE_URL: db.url, KAFKA_BROKERS: kafkaBrokers().join(','), KAFKA_TOPIC_PREFIX: prefix, KAFKA_GROUP_ID: uniqueName('orchestrator'),
      AUTH_TOKENS: TEST_AUTH_TOKENS, SERVER_HOST: '127.0.0.1', SERVER_PORT: String(port),
      // The silent payment keeps its saga waiting for the whole test.
      SAGA_STEP_TIMEOUT_MS: '600000',
    };
    service = await OrchestratorProcess.start(env);
    transport = new PrefixedTransport(new KafkaTransport({ brokers: kafkaBrokers(), clientId: 'sim', logger: pino({ level: 'silent' }) }), prefix);
    participants = await startParticipants(transport, { groupIdPrefix: uniqueName('sim'), logger: pino({ level: 'silent' }) });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await participants?.stop();
    await transport?.close();
    await pg?.end();
    await db?.drop();
  });

  const sagaOf = async (orderId: string) => eventually(async () => (await pg.query<{ id: string; status: string; current_step: string }>('select id, status, current_step from saga_instance where order_id = $1', [orderId])).rows[0], 20000, `saga of ${orderId}`);
  const waitingOnPayment = async () => {
    const order = await participants.createOrder({ scenario: SILENT_PAYMENT });
    return eventually(async () => { const s = await sagaOf(order.orderId); return s.current_step === 'processPayment' ? { ...s, orderId: order.orderId } : undefined; }, 20000, 'the payment step');
  };

  async function signIn(role: keyof typeof TEST_TOKENS): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(base);
    await page.fill('input[name=apiKey]', TEST_TOKENS[role]);
    await page.click('button[type=submit]');
    await page.locator('[data-testid=who]', { hasText: `${role}-user` }).waitFor(WAIT);
    return page;
  }

  const stepStatus = (page: Page, step: string, status: string) => page.locator(`[data-testid=steps] tr[data-step=${step}][data-status=${status}]`).waitFor(WAIT);
  const sagaStatus = (page: Page, status: string) => page.locator('[data-testid=saga-page] h2 .status', { hasText: status }).waitFor(WAIT);

  /** The sequence numbers the page's event log shows, in order. */
  const shownSequences = (page: Page) => page.locator('[data-testid=events] li').evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-seq'))));

  it('shows a viewer sagas and their details, and no action buttons', async () => {
    const saga = await waitingOnPayment();
    const page = await signIn('viewer');
    await page.locator(`[data-testid=saga-table] tr[data-saga-id="${saga.id}"]`).waitFor(WAIT);
    await page.goto(`${base}/#/saga/${saga.id}`);
    await stepStatus(page, 'processPayment', 'RUNNING');
    await page.locator('[data-testid=waiting-on]', { hasText: 'ProcessPayment' }).waitFor(WAIT);
    expect(await page.locator('[data-testid=actions]').count()).toBe(0);
    expect(await page.locator('button[name=compensate]').count()).toBe(0);
    await page.close();
  });

  it('shows an analyst customer data masked, as the API masks it, and no action buttons', async () => {
    const saga = await waitingOnPayment();
    const page = await signIn('analyst');
    await page.goto(`${base}/#/saga/${saga.id}`);
    await stepStatus(page, 'processPayment', 'RUNNING');
    expect(await page.locator('[data-testid=customer]').textContent()).toBe('***');
    expect(await page.locator('.json').textContent()).toContain('"customerId": "***"');
    expect(await page.locator('[data-testid=actions]').count()).toBe(0);
    await page.close();
  });

  it('serves GraphiQL to browsers, bundled: it runs a query with the signed-in key and loads nothing from elsewhere', async () => {
    const page = await signIn('viewer');
    const elsewhere: string[] = [];
    page.on('request', (request) => { if (!/^(data|blob):/.test(request.url()) && !request.url().startsWith(base)) elsewhere.push(request.url()); });
    await page.goto(`${base}/graphql`);
    await page.locator('.graphiql-query-editor', { hasText: 'serviceInfo' }).waitFor(WAIT);
    await page.locator('.graphiql-execute-button').click(WAIT);
    await page.locator('.graphiql-response', { hasText: 'viewer-user' }).waitFor(WAIT);
    expect(elsewhere).toEqual([]);
    await page.close();
  });

  it('lets an operator watch a new saga appear and progress without reload, and compensate it from its plan', async () => {
    const page = await signIn('operator');
    const order = await participants.createOrder({ scenario: SILENT_PAYMENT });
    // The list was loaded before the order existed: the row arrives live.
    const row = page.locator(`[data-testid=saga-table] tr[data-order-id="${order.orderId}"]`);
    await row.waitFor(WAIT);
    await row.locator('a').first().click();
    await stepStatus(page, 'reserveInventory', 'SUCCEEDED');
    await stepStatus(page, 'processPayment', 'RUNNING');

    // The plan: release the stock (the payment never went through, so nothing to refund).
    await page.click('button[name=compensate]');
    await page.locator('[data-testid=plan] li[data-step=reserveInventory]').waitFor(WAIT);
    expect(await page.locator('[data-testid=plan] li[data-step=processPayment]').count()).toBe(0);
    await page.fill('[data-testid=action-dialog] textarea[name=reason]', 'customer cancelled by phone');
    // Someone else acts on the saga meanwhile: the plan shown is outdated, so it is shown again, not run.
    const saga = await sagaOf(order.orderId);
    const retried = await postGraphQL(base, RetryStepDocument, { sagaId: saga.id, step: 'processPayment', reason: 'meanwhile', idempotencyKey: `meanwhile-${saga.id}` }, bearer('operator'));
    expect(retried.body.errors).toBeUndefined();
    await page.click('[data-testid=action-dialog] button[name=confirm]');
    await page.locator('[data-testid=plan-outdated]').waitFor(WAIT);
    expect((await sagaOf(order.orderId)).status).toBe('RUNNING');
    await page.click('[data-testid=action-dialog] button[name=confirm]');
    await sagaStatus(page, 'COMPENSATED');
    await stepStatus(page, 'reserveInventory', 'COMPENSATED');
    await page.locator('[data-testid=audit] tr[data-action=compensate]').waitFor(WAIT);
    expect((await sagaOf(order.orderId)).status).toBe('COMPENSATED');
    await page.close();
  });

  it('skips a step with an output from the form, showing a wrong output\'s errors per field', async () => {
    const saga = await waitingOnPayment();
    const page = await signIn('operator');
    await page.goto(`${base}/#/saga/${saga.id}`);
    await stepStatus(page, 'processPayment', 'RUNNING');
    await page.click('button[name=skip]');
    await page.fill('[data-testid=action-dialog] textarea[name=reason]', 'paid by bank transfer');
    await page.fill('input[name=output-paymentIds]', '"BANK-1"');
    await page.click('[data-testid=action-dialog] button[name=confirm]');
    await page.locator('[data-testid=field-error-paymentIds]', { hasText: 'must be array' }).waitFor(WAIT);
    await page.locator('[data-testid=action-dialog] .refusal', { hasText: 'INVALID_OUTPUT' }).waitFor(WAIT);
    await page.fill('input[name=output-paymentIds]', '["BANK-1"]');
    await page.click('[data-testid=action-dialog] button[name=confirm]');
    await stepStatus(page, 'processPayment', 'SKIPPED');
    await sagaStatus(page, 'COMPLETED');
    await page.close();
  });

  it('runs a bulk resume on a previewed selection and shows each saga\'s outcome live', async () => {
    const waiting = [await waitingOnPayment(), await waitingOnPayment(), await waitingOnPayment()];
    const page = await signIn('operator');
    await page.goto(`${base}/#/bulk`);
    await page.fill('input[name=customerId]', `sim:${SILENT_PAYMENT}`);
    await page.click('.filters button[type=submit]');
    await page.selectOption('select[name=bulk-action]', 'RESUME');
    await page.click('button[name=preview]');
    await page.locator('[data-testid=bulk-preview]').waitFor(WAIT);
    const count = Number(await page.locator('[data-testid=bulk-count]').textContent());
    expect(count).toBeGreaterThanOrEqual(waiting.length);
    await page.fill('input[name=bulk-reason]', 'payment provider back up');
    await page.click('button[name=run]');
    await page.locator('[data-testid=bulk-progress][data-status=FINISHED]').waitFor(WAIT);
    expect(Number(await page.locator('[data-testid=bulk-done]').textContent())).toBe(count);
    for (const saga of waiting) await page.locator(`[data-testid=bulk-progress] tr[data-saga-id="${saga.id}"][data-status=SUCCEEDED]`).waitFor(WAIT);
    await page.close();
  });

  it('resumes a saga page\'s event stream with no gap when the service is killed and restarted', async () => {
    const saga = await waitingOnPayment();
    const page = await signIn('operator');
    await page.goto(`${base}/#/saga/${saga.id}`);
    await stepStatus(page, 'processPayment', 'RUNNING');
    const seenBefore = await eventually(async () => {
      const shown = await shownSequences(page);
      const stored = await maxSequence(saga.id);
      return shown.length > 0 && shown[shown.length - 1] === stored ? shown : undefined;
    }, 20000, 'the page to show every stored event');

    await service.kill();
    await page.locator('[data-testid=connection]', { hasText: 'connecting' }).waitFor(WAIT);
    service = await OrchestratorProcess.start(env);
    // Events committed right after the restart, possibly before the page is back.
    const retried = await postGraphQL(base, RetryStepDocument, { sagaId: saga.id, step: 'processPayment', reason: 'after the restart', idempotencyKey: `restart-${saga.id}` }, bearer('operator'));
    expect(retried.body.errors).toBeUndefined();
    const stored = await maxSequence(saga.id);
    expect(stored).toBeGreaterThan(seenBefore[seenBefore.length - 1]);
    await page.locator('[data-testid=connection]', { hasText: 'live' }).waitFor(WAIT);
    await page.locator(`[data-testid=events] li[data-seq="${stored}"]`).waitFor(WAIT);
    expect(await shownSequences(page)).toEqual(Array.from({ length: stored }, (_, i) => i + 1));
    expect(await page.locator('[data-testid=gap]').count()).toBe(0);
    await page.locator('[data-testid=audit] tr[data-action=retryStep]').waitFor(WAIT);

    await page.screenshot({ path: join(__dirname, '..', '..', 'docs', 'console-saga.png'), fullPage: true });
    await page.close();
  });

  async function maxSequence(sagaId: string): Promise<number> {
    return (await pg.query<{ n: number }>('select max(seq)::int as n from saga_event where saga_id = $1', [sagaId])).rows[0].n;
  }
});

