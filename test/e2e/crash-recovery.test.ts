import pino from 'pino';
import { Client } from 'pg';
import { KafkaTransport } from '../../src/messaging/kafka-transport';
import { PrefixedTransport } from '../../src/messaging/prefixed-transport';
import { fullyCompensated, startParticipants, type Participants } from '../../src/participants';
import { OrchestratorProcess } from '../helpers/orchestrator-process';
import { createTestDatabase, eventually, kafkaBrokers, uniqueName, type TestDatabase } from '../helpers/services';

/**
 * Kill -9 the orchestrator after it sent commands and before it consumed their replies; a new
 * process (or a surviving one in the same group) must finish every saga exactly once.
 */
describe('crash recovery', () => {
  let db: TestDatabase;
  let pg: Client;
  let transport: PrefixedTransport;
  let participants: Participants;
  let env: Record<string, string>;
  const processes: OrchestratorProcess[] = [];

  beforeEach(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    const prefix = `${uniqueName('crash')}.`;
    env = {
      DATABASE_URL: db.url, KAFKA_BROKERS: kafkaBrokers().join(','), KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_GROUP_ID: uniqueName('orchestrator'), SAGA_STEP_TIMEOUT_MS: '20000',
    };
    transport = new PrefixedTransport(new KafkaTransport({ brokers: kafkaBrokers(), clientId: 'sim', logger: pino({ level: 'silent' }) }), prefix);
    // Payments answer 3 s late: the window in which the orchestrator dies.
    participants = await startParticipants(transport, { groupIdPrefix: uniqueName('sim'), lateReplyMs: 3000, logger: pino({ level: 'silent' }) });
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop()));
    await participants.stop();
    await transport.close();
    await pg.end();
    await db.drop();
  });

  const statuses = async () => (await pg.query<{ status: string; n: number }>('select status, count(*)::int as n from saga_instance group by status')).rows;
  const sentPayments = async () => Number((await pg.query("select count(*) from outbox_message where topic = 'process-payment-commands' and published_at is not null")).rows[0].count);

  async function placeOrders(count: number) {
    const orders = [];
    for (let i = 0; i < count; i++) {
      const fail = i % 4 === 3;
      orders.push(await participants.createOrder(fail ? { scenario: ['late:ProcessPayment', 'fail-confirmation'], couponCode: 'SAVE10' } : { scenario: 'late:ProcessPayment', couponCode: i % 2 ? 'SAVE10' : null }));
    }
    return orders;
  }

  function expectExactlyOnce(orders: { orderId: string; customerId: string }[]) {
    expect(participants.ledger.problems()).toEqual([]);
    for (const order of orders) {
      const view = participants.ledger.order(order.orderId)!;
      expect(view.reservations).toHaveLength(1);
      expect(view.charges).toHaveLength(1);
      expect(view.outcomes).toBe(1);
      if (order.customerId.includes('fail-confirmation')) {
        expect(view.outcome).toMatchObject({ result: 'CANCELLED', status: 'APPROVAL_FAILED' });
        expect(fullyCompensated(view)).toBe(true);
      } else {
        expect(view.outcome).toMatchObject({ result: 'APPROVED' });
      }
    }
  }

  it('a restarted process completes every saga exactly once after SIGKILL', async () => {
    const first = await OrchestratorProcess.start(env);
    processes.push(first);
    const orders = await placeOrders(12);
    // Every payment command is out and no payment reply has come back yet.
    await eventually(async () => ((await sentPayments()) === orders.length ? true : undefined), 20000, 'all payment commands sent');
    // ...and none of their replies was consumed: every saga still waits in the payment step.
    const waiting = await pg.query("select count(*)::int as n from saga_instance where current_step = 'processPayment' and status = 'RUNNING'");
    await first.kill();
    expect(waiting.rows[0].n).toBe(orders.length);

    const second = await OrchestratorProcess.start(env);
    processes.push(second);
    await eventually(async () => {
      const rows = await statuses();
      return rows.every((r) => r.status === 'COMPLETED' || r.status === 'APPROVAL_FAILED') && rows.reduce((n, r) => n + r.n, 0) === orders.length ? rows : undefined;
    }, 60000, 'every saga to finish');
    await eventually(() => (orders.every((o) => participants.ledger.order(o.orderId)?.outcome) ? true : undefined), 20000, 'every outcome at the Order service');
    await new Promise((r) => setTimeout(r, 500)); // let any stray duplicate arrive before counting
    expectExactlyOnce(orders);
  });

  it('a surviving instance in the same group takes over the partitions of a killed one', async () => {
    const a = await OrchestratorProcess.start(env);
    const b = await OrchestratorProcess.start(env);
    processes.push(a, b);
    const orders = await placeOrders(16);
    await eventually(async () => ((await sentPayments()) === orders.length ? true : undefined), 20000, 'all payment commands sent');
    await a.kill();
    await eventually(async () => {
      const rows = await statuses();
      return rows.every((r) => r.status === 'COMPLETED' || r.status === 'APPROVAL_FAILED') && rows.reduce((n, r) => n + r.n, 0) === orders.length ? rows : undefined;
    }, 60000, 'every saga to finish on the surviving instance');
    await eventually(() => (orders.every((o) => participants.ledger.order(o.orderId)?.outcome) ? true : undefined), 20000, 'every outcome');
    await new Promise((r) => setTimeout(r, 500));
    expectExactlyOnce(orders);
  });
});
