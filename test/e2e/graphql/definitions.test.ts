import { randomUUID } from 'node:crypto';
import { AbortSagaDocument, SagaDefinitionUsageDocument } from '../../generated/graphql';
import { bearer } from '../../helpers/auth';
import { postGraphQL } from '../../helpers/graphql';
import { SagaStack } from '../../helpers/saga-stack';
import { eventually } from '../../helpers/services';

/** sagaDefinitions over HTTP: each version's fingerprint, and how many sagas still run on it. */
describe('saga definitions with their fingerprints and running sagas', () => {
  let stack: SagaStack;
  const url = () => stack.service.url;

  beforeAll(async () => {
    stack = await SagaStack.start({ SAGA_STEP_TIMEOUT_MS: '600000' });
  });
  afterAll(async () => { await stack?.stop(); });

  async function definitions() {
    const { body } = await postGraphQL(url(), SagaDefinitionUsageDocument, {}, bearer('viewer'));
    expect(body.errors).toBeUndefined();
    return body.data!.sagaDefinitions;
  }

  async function stuckInPayment(): Promise<string> {
    const order = await stack.participants.createOrder({ scenario: 'silent:ProcessPayment' });
    return (await eventually(async () => {
      const saga = await stack.sagaByOrder(order.orderId);
      return saga?.current_step === 'processPayment' ? saga : undefined;
    }, 20000, 'saga waiting on its payment')).id;
  }

  it('shows the registered fingerprint, the one each saga stores, and counts only sagas still running', async () => {
    const fingerprint = stack.service.runtime.fingerprints.get('order@1');
    expect(fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await definitions()).toEqual([{ name: 'order', version: 1, latest: true, fingerprint, runningInstances: 0 }]);

    const done = await stack.participants.createOrder({});
    await stack.waitForStatus(done.orderId, 'COMPLETED');
    const first = await stuckInPayment();
    const second = await stuckInPayment();
    const stored = await stack.db.query('select fingerprint from saga_instance where id = any($1::uuid[])', [[first, second]]);
    expect(stored.rows.map((r) => r.fingerprint)).toEqual([fingerprint, fingerprint]);
    expect((await definitions())[0].runningInstances).toBe(2);

    const aborted = await postGraphQL(url(), AbortSagaDocument, { id: first, reason: 'test', idempotencyKey: randomUUID() }, bearer('operator'));
    expect(aborted.body.data?.abortSaga.status).toBe('ABORTED');
    expect((await definitions())[0].runningInstances).toBe(1);
  });
});
