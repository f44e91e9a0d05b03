import { SearchSagasDocument, type SagaFilter } from '../../generated/graphql';
import type { CreateOrderInput } from '../../../src/participants/order';
import { bearer } from '../../helpers/auth';
import { postGraphQL } from '../../helpers/graphql';
import { SagaStack } from '../../helpers/saga-stack';

/** One order placed for the search, with what the search should know about it. */
interface Placed {
  input: CreateOrderInput;
  status: string;
  methods: string[];
  total: string;
  failedStep: string | null;
  sagaId?: string;
  orderId?: string;
  lastError?: string | null;
}

const item = (unitPrice: string) => [{ productId: 'prod-search', sku: 'SKU-SEARCH', quantity: 1, unitPrice }];

const ORDERS: Record<string, Placed> = {
  card: { input: { customerId: 'search-customer-1', paymentMethod: 'CREDIT_CARD' }, status: 'COMPLETED', methods: ['CREDIT_CARD'], total: '89.80', failedStep: null },
  split: {
    input: { customerId: 'search-customer-1', payments: [{ paymentMethod: 'CREDIT_CARD', amount: '50.00' }, { paymentMethod: 'GIFT_CARD' }] },
    status: 'COMPLETED', methods: ['CREDIT_CARD', 'GIFT_CARD'], total: '89.80', failedStep: null,
  },
  paypalBig: { input: { customerId: 'search-customer-2', paymentMethod: 'PAYPAL', items: item('250.00') }, status: 'COMPLETED', methods: ['PAYPAL'], total: '250.00', failedStep: null },
  cheap: { input: { paymentMethod: 'DEBIT_CARD', items: item('10.00') }, status: 'COMPLETED', methods: ['DEBIT_CARD'], total: '10.00', failedStep: null },
  failPayment: { input: { scenario: 'fail-payment', paymentMethod: 'DEBIT_CARD' }, status: 'PAYMENT_FAILED', methods: ['DEBIT_CARD'], total: '89.80', failedStep: 'processPayment' },
  // The PAYPAL part is charged, the GIFT_CARD part fails: the payment step undoes its own part
  // (FAILED -> COMPENSATING -> COMPENSATED) and is still the failing step.
  failSplitPart: {
    input: { scenario: 'fail-payment-part:GIFT_CARD', payments: [{ paymentMethod: 'PAYPAL' }, { paymentMethod: 'GIFT_CARD' }] },
    status: 'PAYMENT_FAILED', methods: ['PAYPAL', 'GIFT_CARD'], total: '89.80', failedStep: 'processPayment',
  },
  failReservation: { input: { scenario: 'fail-reservation', items: item('1000.00') }, status: 'INVENTORY_ERROR', methods: ['CREDIT_CARD'], total: '1000.00', failedStep: 'reserveInventory' },
  failConfirmation: { input: { scenario: 'fail-confirmation', paymentMethod: 'APPLE_PAY', couponCode: 'SAVE10' }, status: 'APPROVAL_FAILED', methods: ['APPLE_PAY'], total: '89.80', failedStep: 'confirmInventory' },
};
const ALL = Object.keys(ORDERS);
const units = (amount: string) => Math.round(Number(amount) * 10000);

describe('sagas(filter) by business keys over GraphQL, on real sagas', () => {
  let stack: SagaStack;
  const viewer = bearer('viewer');

  async function search(filter: SagaFilter): Promise<string[]> {
    const { body } = await postGraphQL(stack.service.url, SearchSagasDocument, { filter, first: 200 }, viewer);
    expect(body.errors).toBeUndefined();
    const ids = body.data!.sagas.edges.map((e) => e.node.id);
    expect(body.data!.sagas.totalCount).toBe(ids.length);
    const names = ids.map((id) => ALL.find((k) => ORDERS[k].sagaId === id) ?? `unknown saga ${id}`);
    return names.sort();
  }

  const where = (match: (o: Placed) => boolean) => ALL.filter((k) => match(ORDERS[k])).sort();

  beforeAll(async () => {
    stack = await SagaStack.start();
    const created = await Promise.all(ALL.map((k) => stack.participants.createOrder(ORDERS[k].input)));
    for (const [i, k] of ALL.entries()) {
      const saga = await stack.waitForStatus(created[i].orderId, ORDERS[k].status, 30000);
      Object.assign(ORDERS[k], { sagaId: saga.id, orderId: created[i].orderId, lastError: saga.state.lastError });
    }
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps payment_methods and failed_step beside the state, as search-keys.ts defines them', async () => {
    const { rows } = await stack.db.query<{ id: string; payment_methods: string[]; failed_step: string | null; total_amount: string }>(
      'select id, payment_methods, failed_step, total_amount from saga_instance');
    expect(rows).toHaveLength(ALL.length);
    for (const k of ALL) {
      const row = rows.find((r) => r.id === ORDERS[k].sagaId)!;
      expect([k, [...row.payment_methods].sort(), row.failed_step, units(row.total_amount)])
        .toEqual([k, [...ORDERS[k].methods].sort(), ORDERS[k].failedStep, units(ORDERS[k].total)]);
    }
    const split = await stack.sagaByOrder(ORDERS.failSplitPart.orderId!);
    expect(split!.state.steps.find((s: { name: string }) => s.name === 'processPayment').status).not.toBe('FAILED');
  });

  it('finds by order id and customer id', async () => {
    expect(await search({ orderId: ORDERS.paypalBig.orderId })).toEqual(['paypalBig']);
    expect(await search({ customerId: 'search-customer-1' })).toEqual(['card', 'split']);
  });

  it('finds the sagas any part of whose payment uses a method', async () => {
    for (const method of ['CREDIT_CARD', 'GIFT_CARD', 'PAYPAL', 'DEBIT_CARD', 'APPLE_PAY', 'BANK_TRANSFER']) {
      expect([method, await search({ paymentMethod: method })]).toEqual([method, where((o) => o.methods.includes(method))]);
    }
    expect(await search({ paymentMethod: 'GIFT_CARD' })).toEqual(['failSplitPart', 'split']);
  });

  it('finds by amount range, both ends inclusive, on the order total', async () => {
    const ranges: [string | undefined, string | undefined][] = [
      ['89.80', '250'], ['250', undefined], [undefined, '10'], ['250.0001', undefined], ['0', '9.9999'], ['89.8', '89.8'],
    ];
    for (const [minAmount, maxAmount] of ranges) {
      const expected = where((o) => (minAmount === undefined || units(o.total) >= units(minAmount)) && (maxAmount === undefined || units(o.total) <= units(maxAmount)));
      expect([minAmount, maxAmount, await search({ minAmount, maxAmount })]).toEqual([minAmount, maxAmount, expected]);
    }
    expect(await search({ minAmount: '250.0001' })).toEqual(['failReservation']);
  });

  it('finds by the step that failed', async () => {
    for (const step of ['reserveInventory', 'applyCoupon', 'processPayment', 'confirmInventory']) {
      expect([step, await search({ failingStep: step })]).toEqual([step, where((o) => o.failedStep === step)]);
    }
    expect(await search({ failingStep: 'processPayment' })).toEqual(['failPayment', 'failSplitPart']);
  });

  it('finds by text in the last error, ignoring case, with LIKE wildcards taken literally', async () => {
    expect(ORDERS.failPayment.lastError).toMatch(/card declined/);
    expect(await search({ lastErrorText: 'CARD DECLINED' })).toEqual(['failPayment', 'failSplitPart']);
    expect(await search({ lastErrorText: 'split payment failed: GIFT_CARD' })).toEqual(['failSplitPart']);
    expect(await search({ lastErrorText: ORDERS.failReservation.lastError! })).toEqual(['failReservation']);
    expect(await search({ lastErrorText: 'inventory confirmation failed' })).toEqual(['failConfirmation']);
    // `_` and `%` would match anything in a LIKE pattern; here they are plain characters.
    expect(await search({ lastErrorText: 'p_yment' })).toEqual([]);
    expect(await search({ lastErrorText: 'card%' })).toEqual([]);
    expect(await search({ lastErrorText: 'no saga has this error' })).toEqual([]);
  });

  it('combines the filters with AND', async () => {
    expect(await search({ paymentMethod: 'GIFT_CARD', status: ['COMPLETED'] })).toEqual(['split']);
    expect(await search({ paymentMethod: 'GIFT_CARD', failingStep: 'processPayment', lastErrorText: 'declined' })).toEqual(['failSplitPart']);
    expect(await search({ customerId: 'search-customer-1', paymentMethod: 'GIFT_CARD', maxAmount: '100' })).toEqual(['split']);
    expect(await search({ paymentMethod: 'CREDIT_CARD', minAmount: '100', failingStep: 'reserveInventory', status: ['INVENTORY_ERROR'] })).toEqual(['failReservation']);
    expect(await search({ paymentMethod: 'PAYPAL', minAmount: '100', failingStep: 'processPayment' })).toEqual([]);
  });

  it('rejects malformed amounts, an empty range and too short a text with BAD_USER_INPUT', async () => {
    const bad: SagaFilter[] = [
      { minAmount: 'abc' }, { minAmount: '1e3' }, { maxAmount: '-5' }, { minAmount: '12.34567' }, { maxAmount: '' },
      { minAmount: '1,5' }, { maxAmount: ' 10' }, { minAmount: '1234567890123456' },
      { minAmount: '100', maxAmount: '99.99' },
      { lastErrorText: 'ab' }, { lastErrorText: 'x'.repeat(201) }, { paymentMethod: '' }, { failingStep: '' },
    ];
    for (const filter of bad) {
      const { body } = await postGraphQL(stack.service.url, SearchSagasDocument, { filter }, viewer);
      expect([filter, body.data ?? null, body.errors?.[0].extensions?.code]).toEqual([filter, null, 'BAD_USER_INPUT']);
      expect(body.errors?.[0].message).toMatch(/filter\.\w+/);
    }
  });
});
