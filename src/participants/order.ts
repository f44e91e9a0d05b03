/** Simulated Order service: places orders (OrderCreated) and records how each one ended. */
import { randomUUID } from 'node:crypto';
import { fromUnits, sum, toUnits } from '../core/money';
import { OrderCreatedSchema, TOPICS, parseIncoming, type OrderCreated, type OrderItem, type PaymentPart } from '../sagas/order/contract';
import type { MessageTransport, Subscription } from '../runtime/ports';
import type { Logger } from '../logger';
import type { Ledger } from './ledger';
import { parseScenario, scenarioCustomerId, type ScenarioBook } from './scenario';
import type { ServiceSpec } from './service';

export interface CreateOrderInput {
  orderId?: string;
  /** Ignored when `scenario` is given. */
  customerId?: string;
  /** Scenario tokens (see scenario.ts); they become the customerId `sim:<tokens>`. */
  scenario?: string | string[];
  couponCode?: string | null;
  /** Single payment method (default CREDIT_CARD) unless `payments` is given. */
  paymentMethod?: string;
  /** Split payment; parts without an amount share the rest of the total equally. */
  payments?: { paymentMethod: string; amount?: string }[];
  items?: OrderItem[];
  currency?: string;
}

const DEFAULT_ITEMS: OrderItem[] = [
  { productId: 'prod-1001', sku: 'SKU-1001', quantity: 2, unitPrice: '19.95' },
  { productId: 'prod-2002', sku: 'SKU-2002', quantity: 1, unitPrice: '49.90' },
];

let orderSeq = 0;

export function buildOrder(input: CreateOrderInput = {}): OrderCreated {
  const items = input.items ?? DEFAULT_ITEMS;
  const totalAmount = fromUnits(items.reduce((t, i) => t + toUnits(i.unitPrice) * BigInt(i.quantity), 0n));
  const tokens = typeof input.scenario === 'string' ? input.scenario.split(',') : input.scenario;
  const customerId = tokens?.length ? scenarioCustomerId(...tokens) : (input.customerId ?? `customer-${randomUUID().slice(0, 8)}`);
  // A typo in a scenario would silently give a happy order; refuse it instead.
  const unknown = parseScenario(customerId).unknownTokens;
  if (unknown.length) throw new Error(`unknown scenario token(s): ${unknown.join(', ')}`);
  orderSeq += 1;
  const orderId = input.orderId ?? randomUUID();
  return OrderCreatedSchema.parse({
    eventId: randomUUID(),
    eventType: 'OrderCreated',
    sagaId: null,
    orderId,
    correlationId: randomUUID(),
    causationId: null,
    timestamp: new Date().toISOString(),
    retryCount: 0,
    customerId,
    orderNumber: `SIM-${orderId.slice(0, 8)}-${orderSeq}`,
    currency: input.currency ?? 'EUR',
    items,
    totalAmount,
    couponCode: input.couponCode ?? null,
    ...(input.payments?.length
      ? { payments: splitAmounts(totalAmount, input.payments) }
      : { paymentMethod: input.paymentMethod ?? 'CREDIT_CARD' }),
  });
}

/** Fills in missing part amounts so the parts sum to the total (the last open part takes the remainder). */
function splitAmounts(total: string, parts: { paymentMethod: string; amount?: string }[]): PaymentPart[] {
  const open = parts.filter((p) => p.amount === undefined).length;
  if (open === 0) return parts as PaymentPart[];
  const rest = toUnits(total) - toUnits(sum(parts.flatMap((p) => (p.amount === undefined ? [] : [p.amount]))));
  const share = rest / BigInt(open);
  let seen = 0;
  return parts.map((p) => {
    if (p.amount !== undefined) return { paymentMethod: p.paymentMethod, amount: p.amount };
    seen += 1;
    return { paymentMethod: p.paymentMethod, amount: fromUnits(seen === open ? rest - share * BigInt(open - 1) : share) };
  });
}

export function recordCreated(ledger: Ledger, order: OrderCreated): void {
  ledger.record(order.orderId).created = {
    customerId: order.customerId,
    totalAmount: order.totalAmount,
    currency: order.currency,
    couponCode: order.couponCode ?? null,
    payments: order.payments ?? [{ paymentMethod: order.paymentMethod ?? '', amount: order.totalAmount }],
    items: order.items,
  };
  ledger.count('order', 'replies');
}

/** Consumes the saga's final word on each order. */
export function orderService(ledger: Ledger): ServiceSpec {
  return {
    name: 'order',
    topics: [TOPICS.orderApproved, TOPICS.orderCancelled],
    usesScenario: false,
    handle(event) {
      const order = ledger.record(event.orderId);
      order.outcomes += 1;
      if (order.outcome) order.problems.push(`${event.eventType}: order already ended ${order.outcome.result}`);
      if (event.eventType === 'OrderApproved') {
        order.outcome = { result: 'APPROVED', finalAmount: event.finalAmount, currency: event.currency, paymentIds: event.paymentIds };
      } else if (event.eventType === 'OrderCancelled') {
        order.outcome = { result: 'CANCELLED', status: event.status, reason: event.reason };
      } else {
        throw new Error(`Order service does not handle ${event.eventType}`);
      }
    },
  };
}

/**
 * Learns the scenario of orders placed by other processes, so the Product service knows how to
 * treat commands that do not carry the customerId. Its own consumer group, like any other reader.
 */
export function watchOrders(transport: MessageTransport, groupId: string, scenarios: ScenarioBook, logger: Logger): Promise<Subscription> {
  return transport.subscribe({ groupId, topics: [TOPICS.orderCreated], fromBeginning: true }, async (batch) => {
    for (const m of batch) {
      const parsed = parseIncoming(m.topic, m.value);
      if (parsed.ok && parsed.message.eventType === 'OrderCreated') scenarios.register(parsed.message.orderId, parsed.message.customerId);
      else if (!parsed.ok) logger.debug({ error: parsed.error }, 'invalid OrderCreated ignored');
    }
  });
}
