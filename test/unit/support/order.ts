/** A harness that drives the order saga through the pure engine, like the runtime would. */
import { randomUUID } from 'node:crypto';
import {
  applyReply,
  compensate,
  fireTimer,
  startSaga,
  type ManualResult,
  type OutboxMessage,
  type SagaDefinition,
  type SagaEvent,
  type SagaState,
  type SagaTransition,
} from '../../../src/core';
import { MESSAGE_SCHEMAS, validateMessage, type EventType, type OrderCreated, type PayloadOf } from '../../../src/sagas/order/contract';
import { orderSagaData, orderSagaDefinition, type OrderSagaData, type OrderSagaOptions } from '../../../src/sagas/order';
import type { SagaWrite } from '../../../src/runtime/ports';
import { TestContext, testId } from './context';

export const ORDER_ID = testId(0xa1);
export const SAGA_ID = testId(0xa2);
export const ORDER_EVENT_ID = testId(0xa3);

export function orderCreated(overrides: Partial<OrderCreated> = {}): OrderCreated {
  const message = {
    eventId: ORDER_EVENT_ID,
    eventType: 'OrderCreated' as const,
    sagaId: null,
    orderId: ORDER_ID,
    correlationId: testId(0xa4),
    causationId: null,
    timestamp: '2025-01-01T00:00:00.000Z',
    retryCount: 0,
    customerId: 'customer-7',
    orderNumber: 'ORD-1001',
    currency: 'EUR',
    items: [
      { productId: 'p-1', sku: 'SKU-1', quantity: 2, unitPrice: '40.00' },
      { productId: 'p-2', sku: 'SKU-2', quantity: 1, unitPrice: '20.00' },
    ],
    totalAmount: '100.00',
    paymentMethod: 'CARD',
    ...overrides,
  };
  const parsed = MESSAGE_SCHEMAS.OrderCreated.safeParse(message);
  if (!parsed.success) throw new Error(`bad OrderCreated fixture: ${parsed.error.message}`);
  return parsed.data;
}

/** A new order saga as the engine starts it, as a store write: its state, its first events and its first command. */
export function newOrderSagaWrite(def: SagaDefinition<OrderSagaData>, lastError: string | null = null): SagaWrite {
  const order = orderCreated({ eventId: randomUUID(), orderId: randomUUID() });
  const t = startSaga(def, { sagaId: randomUUID(), businessKey: order.orderId, data: orderSagaData(order), causationId: order.eventId }, {
    now: new Date(), newId: randomUUID, random: Math.random,
  });
  return { state: { ...t.state, lastError }, previousVersion: null, previousEventSeq: 0, events: t.events, outbox: t.outbox, actor: 'system' };
}

export class OrderSagaHarness {
  readonly ctx = new TestContext(0x200);
  private readonly replyIds = new TestContext(0x300);
  readonly def: SagaDefinition<OrderSagaData>;
  state!: SagaState<OrderSagaData>;
  /** Everything sent so far, in order. */
  readonly sent: OutboxMessage[] = [];
  readonly history: SagaEvent[] = [];
  last!: SagaTransition<OrderSagaData>;

  constructor(options: OrderSagaOptions = { couponPolicy: 'continue', retry: { jitter: 0 } }) {
    this.def = orderSagaDefinition(options);
  }

  start(order: OrderCreated = orderCreated()): this {
    return this.take(
      startSaga(this.def, { sagaId: SAGA_ID, businessKey: order.orderId, data: orderSagaData(order), causationId: order.eventId, correlationId: order.correlationId }, this.ctx),
    );
  }

  /** Builds a valid contract message (validated, so fixtures cannot drift) and applies it. */
  reply<K extends EventType>(eventType: K, payload: PayloadOf<K>, eventId = this.replyIds.newId()): this {
    return this.take(applyReply(this.def, this.state, { eventId, eventType, payload: this.message(eventType, payload, eventId) }, this.ctx));
  }

  message<K extends EventType>(eventType: K, payload: PayloadOf<K>, eventId: string): Record<string, unknown> {
    const value = {
      eventId,
      eventType,
      sagaId: SAGA_ID,
      orderId: ORDER_ID,
      correlationId: this.state.correlationId,
      causationId: this.sent.at(-1)?.eventId ?? null,
      timestamp: this.ctx.now.toISOString(),
      retryCount: 0,
      ...payload,
    };
    const result = validateMessage(eventType, value);
    if (!result.ok) throw new Error(`bad ${eventType} fixture: ${result.error}`);
    return result.message as Record<string, unknown>;
  }

  /** Advances the clock to the timer and fires it. */
  fire(): this {
    if (!this.state.timer) throw new Error('no timer armed');
    this.ctx.nowMs = this.state.timer.dueAtMs;
    return this.take(fireTimer(this.def, this.state, this.ctx));
  }

  manual(result: ManualResult<OrderSagaData>): this {
    if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
    return this.take(result);
  }

  compensate(): this {
    return this.manual(compensate(this.def, this.state, { actor: 'ops', reason: 'customer asked' }, this.ctx));
  }

  take(transition: SagaTransition<OrderSagaData>): this {
    this.last = transition;
    this.state = transition.state;
    this.sent.push(...transition.outbox);
    this.history.push(...transition.events);
    return this;
  }

  /** The eventTypes of the messages sent by the last transition. */
  lastSentTypes(): string[] {
    return this.last.outbox.map((m) => m.eventType);
  }

  sentOf(eventType: string): OutboxMessage[] {
    return this.sent.filter((m) => m.eventType === eventType);
  }

  stepStatuses(): Record<string, string> {
    return Object.fromEntries(this.state.steps.map((s) => [s.name, s.status]));
  }

  eventTypes(): string[] {
    return this.history.map((e) => e.type);
  }
}

/** Every message the engine produced must satisfy the wire contract. */
export function expectContractValid(messages: OutboxMessage[]): void {
  for (const m of messages) {
    const result = validateMessage(m.eventType as EventType, JSON.parse(JSON.stringify(m.value)));
    if (!result.ok) throw new Error(`outbox ${m.eventType} violates the contract: ${result.error}`);
  }
}

export const RESERVED: PayloadOf<'ProductReserved'> = {
  reservationId: 'res-1',
  products: [{ productId: 'p-1', sku: 'SKU-1', quantity: 2 }],
  expirationTime: '2025-01-01T00:15:00Z',
};

export function paid(amount: string, paymentId = 'pay-1'): PayloadOf<'PaymentProcessed'> {
  return { paymentId, amount, transactionId: `tx-${paymentId}`, paymentMethod: 'CARD', processedAt: '2025-01-01T00:00:01Z' };
}
