/** Simulated Payment service: single and split charges, and refunds. */
import { randomUUID } from 'node:crypto';
import { equals, sum } from '../core/money';
import { TOPICS, type SplitPaymentPartResult } from '../sagas/order/contract';
import type { OrderRecord, Ledger } from './ledger';
import type { Scenario } from './scenario';
import type { ServiceSpec } from './service';

function declines(scenario: Scenario, paymentMethod: string): boolean {
  return scenario.failPayment || scenario.failPaymentMethods.has(paymentMethod);
}

function charge(order: OrderRecord, paymentMethod: string, amount: string) {
  const c = { paymentId: randomUUID(), transactionId: `txn-${randomUUID()}`, paymentMethod, amount, refunded: false };
  order.charges.push(c);
  return c;
}

export function paymentService(ledger: Ledger): ServiceSpec {
  return {
    name: 'payment',
    topics: [TOPICS.processPayment, TOPICS.refundPayment],
    handle(command, scenario, reply) {
      const order = ledger.record(command.orderId);
      switch (command.eventType) {
        case 'ProcessPayment': {
          const { paymentMethod, amount } = command;
          if (declines(scenario, paymentMethod)) {
            order.paymentFailures.push({ paymentMethod, amount, reason: 'card declined' });
            reply('PaymentFailed', { paymentMethod, amount, reason: 'card declined' });
            return;
          }
          const c = charge(order, paymentMethod, amount);
          reply('PaymentProcessed', {
            paymentId: c.paymentId, amount, transactionId: c.transactionId, paymentMethod, processedAt: new Date().toISOString(),
          });
          return;
        }
        case 'ProcessSplitPayment': {
          const payments: SplitPaymentPartResult[] = command.payments.map(({ paymentMethod, amount }) => {
            if (declines(scenario, paymentMethod)) {
              order.paymentFailures.push({ paymentMethod, amount, reason: 'card declined' });
              return { paymentMethod, amount, status: 'FAILED', reason: 'card declined' };
            }
            const c = charge(order, paymentMethod, amount);
            return { paymentId: c.paymentId, paymentMethod, transactionId: c.transactionId, amount, status: 'SUCCEEDED' };
          });
          reply('SplitPayment', {
            payments,
            totalAmount: sum(command.payments.map((p) => p.amount)),
            completed: payments.every((p) => p.status === 'SUCCEEDED'),
          });
          return;
        }
        case 'RefundPayment': {
          const { paymentId, amount } = command;
          const c = order.charges.find((x) => x.paymentId === paymentId);
          // Refunding is idempotent per payment: a second refund or an unknown payment is flagged, not paid out.
          if (!c) order.problems.push(`RefundPayment: unknown payment ${paymentId}`);
          else if (c.refunded) order.problems.push(`RefundPayment: payment ${paymentId} refunded twice`);
          else {
            if (!equals(amount, c.amount)) order.problems.push(`RefundPayment: ${amount} refunded of a ${c.amount} charge ${paymentId}`);
            c.refunded = true;
            order.refunds.push({ paymentId, amount });
          }
          reply('PaymentRefunded', { paymentId, amount });
          return;
        }
        default:
          throw new Error(`Payment service does not handle ${command.eventType}`);
      }
    },
  };
}
