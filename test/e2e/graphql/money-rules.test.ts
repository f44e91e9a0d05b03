import { randomUUID } from 'node:crypto';
import { SkipStepDocument, StartSagaDocument, type StartSagaInput } from '../../generated/graphql';
import { bearer } from '../../helpers/auth';
import { postGraphQL } from '../../helpers/graphql';
import { SagaStack } from '../../helpers/saga-stack';
import { eventually } from '../../helpers/services';

const key = () => `key-${randomUUID()}`;
const orderInput = (overrides: Partial<StartSagaInput> = {}): StartSagaInput => ({
  customerId: 'money-rules-1', currency: 'EUR', totalAmount: '20.00', paymentMethod: 'CREDIT_CARD',
  items: [{ productId: randomUUID(), sku: 'SKU-1', quantity: 2, unitPrice: '10.00' }], idempotencyKey: key(), ...overrides,
});

/** The money rules of the control plane, through the real server, broker and database. */
describe('money rules on the control plane', () => {
  let stack: SagaStack;
  // Steps wait a minute, so a silent participant leaves the saga in that step for the operator;
  // a short list of payment methods shows it is configurable.
  beforeAll(async () => { stack = await SagaStack.start({ SAGA_STEP_TIMEOUT_MS: '60000', SAGA_PAYMENT_METHODS: 'CREDIT_CARD,GIFT_CARD' }); });
  afterAll(() => stack.stop());
  const url = () => stack.service.url;

  async function waitingIn(step: string, scenario: string) {
    const order = await stack.participants.createOrder({ scenario, couponCode: 'SAVE10' });
    await eventually(async () => ((await stack.sagaByOrder(order.orderId))?.current_step === step ? true : undefined), 20000, `saga in ${step}`);
    return { order, saga: (await stack.sagaByOrder(order.orderId))! };
  }

  const skip = (sagaId: string, step: string, output: Record<string, unknown>) =>
    postGraphQL(url(), SkipStepDocument, { sagaId, step, reason: 'coupon service down', output, idempotencyKey: key() }, bearer('operator'));

  it('skipStep refuses a coupon skip that sets the amount due or the customer; a plain skip charges the full total', async () => {
    const { order, saga } = await waitingIn('applyCoupon', 'silent:ApplyCoupon');
    const cheap = await skip(saga.id, 'applyCoupon', { finalAmount: '0.01' });
    expect(cheap.body.errors?.[0].extensions?.code).toBe('INVALID_OUTPUT');
    expect(cheap.body.errors?.[0].message).toMatch(/finalAmount: not produced by this step/);
    const takeover = await skip(saga.id, 'applyCoupon', { customerId: 'someone-else', discountAmount: '99.99' });
    expect(takeover.body.errors?.[0].extensions?.code).toBe('INVALID_OUTPUT');
    expect(takeover.body.errors?.[0].message).toMatch(/customerId: not produced by this step.*discountAmount: not produced by this step/);
    // Refused means nothing written: same version, no manual action on record.
    const after = (await stack.sagaByOrder(order.orderId))!;
    expect(after.version).toBe(saga.version);
    expect((await stack.events(saga.id)).some((e) => e.type === 'MANUAL_ACTION')).toBe(false);

    const plain = await skip(saga.id, 'applyCoupon', {});
    expect(plain.body.errors).toBeUndefined();
    const done = await stack.waitForStatus(order.orderId, 'COMPLETED');
    expect(done.state.data).toMatchObject({ customerId: order.customerId, finalAmount: order.totalAmount });
    expect(stack.participants.ledger.order(order.orderId)!.charges.map((c) => c.amount)).toEqual([order.totalAmount]);
  });

  it('skipStep on the payment takes paymentIds only, never customerId', async () => {
    const { order, saga } = await waitingIn('processPayment', 'silent:ProcessPayment');
    const refused = await skip(saga.id, 'processPayment', { paymentIds: ['till-1'], customerId: 'someone-else' });
    expect(refused.body.errors?.[0].extensions?.code).toBe('INVALID_OUTPUT');
    expect(refused.body.errors?.[0].message).toMatch(/customerId: not produced by this step/);
    expect((await skip(saga.id, 'processPayment', { paymentIds: [] })).body.errors?.[0].extensions?.code).toBe('INVALID_OUTPUT');
    expect((await skip(saga.id, 'processPayment', { paymentIds: ['till-1'] })).body.errors).toBeUndefined();
    const done = await stack.waitForStatus(order.orderId, 'COMPLETED');
    expect(done.state.data).toMatchObject({ customerId: order.customerId, paymentIds: ['till-1'] });
  });

  it('a manual action that would send a command the contract refuses is refused INVALID_COMMAND and writes nothing', async () => {
    const { order, saga } = await waitingIn('applyCoupon', 'silent:ApplyCoupon');
    // A saga whose data went bad before these checks existed (e.g. an unchecked skip): skipping
    // the coupon would now ask the Payment service to charge -5.00.
    await stack.db.query(`update saga_instance set state = jsonb_set(state::jsonb, '{data,finalAmount}', '"-5.00"')::json where id = $1`, [saga.id]);
    const idempotencyKey = key();
    const refused = await postGraphQL(url(), SkipStepDocument, { sagaId: saga.id, step: 'applyCoupon', reason: 'coupon service down', output: {}, idempotencyKey }, bearer('operator'));
    expect(refused.body.errors?.[0].extensions?.code).toBe('INVALID_COMMAND');
    expect(refused.body.errors?.[0].message).toMatch(/ProcessPayment: amount: must be greater than zero/);
    const after = (await stack.sagaByOrder(order.orderId))!;
    expect([after.version, after.current_step]).toEqual([saga.version, 'applyCoupon']);
    const { rows } = await stack.db.query(`select count(*)::int as n from outbox_message where saga_id = $1 and topic like '%process-payment-commands'`, [saga.id]);
    expect(rows[0].n).toBe(0);
    const keys = await stack.db.query('select count(*)::int as n from manual_action where saga_id = $1', [saga.id]);
    expect(keys.rows[0].n).toBe(0); // the transaction rolled back, the key too
  });

  it('a timer whose re-send the contract refuses leaves that saga as it was and does not stop the other timers', async () => {
    const bad = await waitingIn('processPayment', 'silent:ProcessPayment');
    const good = await waitingIn('processPayment', 'silent:ProcessPayment');
    // The bad saga's stored payment command went wrong before the check existed.
    await stack.db.query(`update saga_instance set state = jsonb_set(state::jsonb, '{steps,2,commands,0,payload,amount}', '"0.00"')::json where id = $1`, [bad.saga.id]);
    // Both retry timers due now, so one poll fires them together.
    for (const { saga } of [bad, good]) {
      await stack.db.query(`update saga_instance set state = jsonb_set(state::jsonb, '{timer}', $2::jsonb)::json where id = $1`,
        [saga.id, JSON.stringify({ ...saga.state.timer, dueAtMs: 0, purpose: 'retry', attempt: 2 })]);
    }
    await stack.db.query('update saga_timer set due_at = now() where saga_id = any($1::uuid[])', [[bad.saga.id, good.saga.id]]);
    const resent = (e: { type: string; step: string | null; detail: any }) => e.type === 'COMMAND_SENT' && e.step === 'processPayment' && e.detail.retryCount === 1;
    await eventually(async () => ((await stack.events(good.saga.id)).some(resent) ? true : undefined), 20000, 'the good saga\'s re-send');
    expect((await stack.events(bad.saga.id)).some(resent)).toBe(false);
    expect((await stack.sagaByOrder(bad.order.orderId))!.version).toBe(bad.saga.version);
  });

  it('startSaga refuses totals that do not match the items, zero totals, unknown payment methods and split parts that do not add up', async () => {
    const start = (input: StartSagaInput) => postGraphQL(url(), StartSagaDocument, { input }, bearer('operator'));
    const refusal = async (input: StartSagaInput) => {
      const { body } = await start(input);
      expect(body.data?.startSaga ?? null).toBeNull();
      expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      return body.errors![0];
    };
    const mismatch = await refusal(orderInput({ totalAmount: '0.01' }));
    expect(mismatch.message).toMatch(/totalAmount: must equal the sum of the items' quantity × unitPrice \(20.00\)/);
    expect(mismatch.extensions?.fields).toEqual([{ field: 'totalAmount', message: expect.stringContaining('20.00') }]);
    expect((await refusal(orderInput({ totalAmount: '0.00', items: [{ productId: randomUUID(), sku: 'S', quantity: 1, unitPrice: '0.00' }] }))).message)
      .toMatch(/totalAmount: must be greater than zero/);
    expect((await refusal(orderInput({ paymentMethod: 'BITCOIN' }))).message).toMatch(/paymentMethod: unknown payment method 'BITCOIN' \(one of CREDIT_CARD, GIFT_CARD\)/);
    expect((await refusal(orderInput({ paymentMethod: 'PAYPAL' }))).message).toMatch(/paymentMethod: unknown payment method 'PAYPAL'/);
    const split = await refusal(orderInput({
      paymentMethod: null,
      payments: [{ paymentMethod: 'CREDIT_CARD', amount: '15.00' }, { paymentMethod: 'BITCOIN', amount: '0.00' }],
    }));
    expect(split.extensions?.fields).toEqual([
      { field: 'payments.1.amount', message: 'must be greater than zero' },
      { field: 'payments', message: 'parts must add up to the amount due 20.00 (they add up to 15.00)' },
      { field: 'payments.1.paymentMethod', message: expect.stringContaining("unknown payment method 'BITCOIN'") },
    ]);
    const { rows } = await stack.db.query("select count(*)::int as n from saga_instance where customer_id = 'money-rules-1'");
    expect(rows[0].n).toBe(0);

    const ok = await start(orderInput({ paymentMethod: null, payments: [{ paymentMethod: 'CREDIT_CARD', amount: '15.00' }, { paymentMethod: 'GIFT_CARD', amount: '5.00' }] }));
    expect(ok.body.errors).toBeUndefined();
    await stack.waitForStatus(ok.body.data!.startSaga.orderId, 'COMPLETED');
  });

  it('an OrderCreated from Kafka whose total does not match its items goes to the DLQ, starting nothing', async () => {
    const dlq = await stack.collect('order-created-events.dlq');
    const orderId = randomUUID();
    await stack.transport.publish([{ topic: 'order-created-events', key: orderId, value: JSON.stringify({
      eventId: randomUUID(), eventType: 'OrderCreated', sagaId: null, orderId, correlationId: randomUUID(), causationId: null,
      timestamp: new Date().toISOString(), retryCount: 0, customerId: 'c-kafka', orderNumber: 'K-1', currency: 'EUR',
      items: [{ productId: 'p-1', sku: 'S-1', quantity: 3, unitPrice: '10.00' }], totalAmount: '0.01',
      payments: [{ paymentMethod: 'CREDIT_CARD', amount: '0.01' }],
    }) }]);
    const letter = await eventually(() => dlq.messages.find((m) => m.key === orderId), 20000, 'the dead letter');
    await dlq.stop();
    expect(JSON.parse(letter.value!.toString()).error).toMatch(/totalAmount: must equal the sum of the items' quantity × unitPrice \(30.00\)/);
    expect(await stack.sagaByOrder(orderId)).toBeUndefined();
  });
});
