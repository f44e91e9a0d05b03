import { EurekaServer, ProductInstance } from '../../helpers/eureka';
import { SagaStack } from '../../helpers/saga-stack';
import { startTestService, type TestService } from '../../helpers/service';
import { eventually, uniqueName } from '../../helpers/services';

/**
 * Against a real Spring Cloud Eureka server (scripts/eureka.sh): the orchestrator registers,
 * renews and deregisters itself, calls an HTTP Product service by name through Eureka across its
 * instances, and keeps processing sagas while Eureka is down.
 */
jest.setTimeout(180_000);

let eureka: EurekaServer;

beforeAll(async () => {
  eureka = await EurekaServer.start();
}, 300_000);

afterAll(async () => {
  await eureka?.stop();
});

/** Fast beats so the tests see renewals and registry changes within seconds. */
function eurekaEnv(app: string): Record<string, string> {
  return {
    EUREKA_SERVICE_URL: eureka.url,
    EUREKA_APP_NAME: app,
    EUREKA_INSTANCE_HOSTNAME: '127.0.0.1',
    EUREKA_RENEWAL_INTERVAL_SECONDS: '1',
    // Long enough that an instance still listed after stop() could only be there because it did not deregister.
    EUREKA_LEASE_DURATION_SECONDS: '60',
    EUREKA_REGISTRY_FETCH_SECONDS: '1',
  };
}

/** Every Product command over HTTP, to whatever instances Eureka lists under `productApp`. */
function productRoutes(productApp: string): Record<string, string> {
  const service = `lb://${productApp.toLowerCase()}`;
  return {
    PARTICIPANT_HTTP_ROUTES: [
      `reserve-inventory-commands=${service}/reserve`,
      `confirm-inventory-commands=${service}/confirm`,
      `release-inventory-commands=${service}/release`,
    ].join(','),
    PARTICIPANT_HTTP_BREAKER_VOLUME: '1000', // these tests are about routing, not about the breaker opening
    // Routing, not timeouts, is under test: generous step timeouts keep a slow machine from timing sagas out.
    SAGA_STEP_TIMEOUT_MS: '15000',
    SAGA_MAX_ATTEMPTS: '3',
  };
}

async function completeOrders(stack: SagaStack, count: number): Promise<void> {
  const orders = await Promise.all(Array.from({ length: count }, () => stack.participants.createOrder()));
  await Promise.all(orders.map((order) => stack.waitForStatus(order.orderId, 'COMPLETED', 30_000)));
}

describe('the orchestrator in Eureka', () => {
  it('registers with its health and status URLs, renews its lease, and deregisters on stop', async () => {
    const app = uniqueName('ORCH').toUpperCase();
    const stack = await SagaStack.start(eurekaEnv(app));
    let stopped = false;
    try {
      const port = stack.service.port;
      const [instance] = await eventually(() => eureka.instances(app), 20_000, `${app} registered in Eureka`);
      expect(instance).toMatchObject({
        app, instanceId: `127.0.0.1:${app}:${port}`, hostName: '127.0.0.1', status: 'UP',
        port: { $: port, '@enabled': 'true' },
        healthCheckUrl: `http://127.0.0.1:${port}/health`, statusPageUrl: `http://127.0.0.1:${port}/ready`, homePageUrl: `http://127.0.0.1:${port}/`,
        leaseInfo: { renewalIntervalInSecs: 1, durationInSecs: 60 },
      });
      // The URLs Eureka hands out really answer.
      expect((await fetch(instance.healthCheckUrl)).status).toBe(200);
      expect((await fetch(instance.statusPageUrl)).status).toBe(200);

      const firstRenewal = Number(instance.leaseInfo.lastRenewalTimestamp);
      await eventually(async () => {
        const [now] = (await eureka.instances(app)) ?? [];
        return Number(now?.leaseInfo.lastRenewalTimestamp) > firstRenewal ? now : undefined;
      }, 20_000, 'the lease to be renewed');

      await stack.stop();
      stopped = true;
      // At once, not after the 60 s lease: stop() deregistered.
      expect(await eureka.instances(app)).toBeUndefined();
    } finally {
      if (!stopped) await stack.stop();
    }
  });

  it('calls a service named in lb:// routes round-robin across its UP instances, and moves to the survivor when one dies', async () => {
    const productApp = uniqueName('PRODUCT').toUpperCase();
    const a = new ProductInstance(eureka, productApp);
    const b = new ProductInstance(eureka, productApp);
    await a.start();
    await b.start();
    const stack = await SagaStack.start({ ...eurekaEnv(uniqueName('ORCH').toUpperCase()), ...productRoutes(productApp) });
    try {
      await completeOrders(stack, 6);
      // 6 reservations and 6 confirmations (more if a slow reply was re-sent) spread over both instances.
      expect(a.hits.length + b.hits.length).toBeGreaterThanOrEqual(12);
      expect(a.hits.length).toBeGreaterThan(0);
      expect(b.hits.length).toBeGreaterThan(0);

      // a dies without deregistering: Eureka still lists it as UP for its 60 s lease.
      await a.crash();
      expect((await eureka.instances(productApp))?.map((i) => i.instanceId)).toContain(a.instanceId);
      const before = b.hits.length;
      await completeOrders(stack, 6);
      expect(b.hits.length - before).toBeGreaterThanOrEqual(12);
    } finally {
      await stack.stop();
      await a.crash().catch(() => undefined);
      await b.crash();
    }
  });

  it('keeps completing sagas and stays ready while Eureka is down, and registers again when it is back', async () => {
    const app = uniqueName('ORCH').toUpperCase();
    const productApp = uniqueName('PRODUCT').toUpperCase();
    const product = new ProductInstance(eureka, productApp);
    await product.start();
    const stack = await SagaStack.start({ ...eurekaEnv(app), ...productRoutes(productApp) });
    let late: TestService | undefined;
    try {
      await eventually(() => eureka.instances(app), 20_000, `${app} registered in Eureka`);
      await completeOrders(stack, 2);

      await eureka.stop();
      await expect(fetch(`${eureka.url}/apps`)).rejects.toThrow(); // really down
      await completeOrders(stack, 4);
      const ready = await fetch(`${stack.service.url}/ready`);
      expect(ready.status).toBe(200);
      // An instance started while Eureka is down starts and is ready all the same.
      const lateApp = uniqueName('ORCH').toUpperCase();
      late = await startTestService({ ...eurekaEnv(lateApp), KAFKA_TOPIC_PREFIX: `${uniqueName('late')}.`, KAFKA_GROUP_ID: uniqueName('late') });
      expect((await fetch(`${late.url}/ready`)).status).toBe(200);

      // A restarted Eureka has an empty registry: the orchestrator's next renewal gets 404 and it registers
      // again; the late instance's background retry registers it for the first time.
      await eureka.start();
      const [back] = await eventually(() => eureka.instances(app), 30_000, `${app} registered again`);
      expect(back).toMatchObject({ status: 'UP', port: { $: stack.service.port } });
      const [lateOne] = await eventually(() => eureka.instances(lateApp), 30_000, `${lateApp} registered once Eureka is up`);
      expect(lateOne).toMatchObject({ status: 'UP', port: { $: late.port } });
      await eventually(() => eureka.instances(productApp), 30_000, 'the product instance registered again');
      await completeOrders(stack, 2);
    } finally {
      await late?.stop();
      await late?.database.drop();
      await stack.stop();
      await product.crash();
    }
  });
});
