/**
 * Simulated Order, Product, Promotion and Payment services speaking the wire contract over any
 * MessageTransport: the real Kafka broker in tests and benchmarks, the in-process bus on
 * embedded defaults. How each order behaves is chosen by its customerId (see scenario.ts).
 */
import pino from 'pino';
import { ALL_TOPICS, TOPICS, type OrderCreated } from '../sagas/order/contract';
import type { MessageTransport, Subscription } from '../runtime/ports';
import type { Logger } from '../logger';
import { Ledger } from './ledger';
import { buildOrder, orderService, recordCreated, watchOrders, type CreateOrderInput } from './order';
import { paymentService } from './payment';
import { productService } from './product';
import { promotionService } from './promotion';
import { ScenarioBook } from './scenario';
import { startService, type ServiceDeps } from './service';

export { scenarioCustomerId, parseScenario, type Scenario } from './scenario';
export { Ledger, fullyCompensated, type OrderView, type OrderOutcome, type LedgerTotals, type Counters } from './ledger';
export { couponDiscount } from './promotion';
export type { CreateOrderInput } from './order';

export interface ParticipantsOptions {
  /** Consumer groups are `${prefix}-product`, `${prefix}-promotion`, `${prefix}-payment`, `${prefix}-order`. */
  groupIdPrefix?: string;
  /** Added before each batch of replies is published (service latency). */
  replyDelayMs?: number;
  /** How late a `late:<eventType>` reply comes. */
  lateReplyMs?: number;
  logger?: Logger;
  /**
   * Answer only orders this instance created with createOrder; everything else is counted as
   * `ignored`. Use it when several stacks share one broker (parallel tests), default false.
   */
  onlyOwnOrders?: boolean;
  /** How long a command for an order not yet seen on order-created-events waits for it (default 2000). */
  orderLookupMs?: number;
}

export type LedgerView = Pick<Ledger, 'order' | 'orderIds' | 'totals' | 'serviceCounters' | 'problems'>;

export interface Participants {
  /** Places an order: publishes OrderCreated on order-created-events (key = orderId), with `headers` (e.g. traceparent). */
  createOrder(input?: CreateOrderInput, headers?: Record<string, string>): Promise<OrderCreated>;
  /** What the services did, per order (read-only view). */
  readonly ledger: LedgerView;
  /** Stops consuming and drops pending late replies; the transport stays open (it is the caller's). */
  stop(): Promise<void>;
}

export async function startParticipants(transport: MessageTransport, options: ParticipantsOptions = {}): Promise<Participants> {
  const prefix = options.groupIdPrefix ?? 'sim';
  const logger = (options.logger ?? pino({ level: 'warn' })).child({ component: 'participants' });
  const onlyOwnOrders = options.onlyOwnOrders ?? false;
  const ledger = new Ledger();
  const scenarios = new ScenarioBook();
  const timers = new Set<NodeJS.Timeout>();
  await transport.ensureTopics([...ALL_TOPICS]);

  const deps = (name: string): ServiceDeps => ({
    transport, ledger, scenarios, timers, onlyOwnOrders,
    groupId: `${prefix}-${name}`,
    logger: logger.child({ participant: name }),
    replyDelayMs: options.replyDelayMs ?? 0,
    lateReplyMs: options.lateReplyMs ?? 5000,
    orderLookupMs: options.orderLookupMs ?? 2000,
  });

  const subscriptions: Subscription[] = [];
  try {
    if (!onlyOwnOrders) subscriptions.push(await watchOrders(transport, `${prefix}-order-watch`, scenarios, logger));
    subscriptions.push(await startService(productService(ledger), deps('product')));
    subscriptions.push(await startService(promotionService(ledger), deps('promotion')));
    subscriptions.push(await startService(paymentService(ledger), deps('payment')));
    subscriptions.push(await startService(orderService(ledger), deps('order')));
  } catch (error) {
    await Promise.allSettled(subscriptions.map((s) => s.stop()));
    throw error;
  }

  let stopped = false;
  return {
    ledger,
    async createOrder(input, headers) {
      const order = buildOrder(input);
      // Known before it is published, so no command for it can arrive first.
      scenarios.register(order.orderId, order.customerId, true);
      recordCreated(ledger, order);
      await transport.publish([{ topic: TOPICS.orderCreated, key: order.orderId, value: JSON.stringify(order), ...(headers ? { headers } : {}) }]);
      return order;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.allSettled(subscriptions.map((s) => s.stop()));
    },
  };
}
export { placeDemoOrders } from './demo';
