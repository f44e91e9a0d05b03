import type { Logger } from '../logger';
import type { Participants } from './index';

/**
 * One order of each kind, so a newcomer running `npm start` sees sagas complete and compensate,
 * and has sagas to step in on: one waiting on a payment that never answers (until its step timeout
 * and retries run out) and one whose compensation keeps failing (it ends COMPENSATION_FAILED).
 */
const DEMO_ORDERS = [
  { couponCode: 'WELCOME10' },
  { payments: [{ paymentMethod: 'CREDIT_CARD' }, { paymentMethod: 'GIFT_CARD' }] },
  { scenario: 'fail-reservation' },
  { scenario: 'reject-coupon', couponCode: 'EXPIRED' },
  { scenario: 'fail-payment', couponCode: 'WELCOME10' },
  { scenario: 'fail-payment-part:GIFT_CARD', payments: [{ paymentMethod: 'CREDIT_CARD' }, { paymentMethod: 'GIFT_CARD' }] },
  { scenario: 'fail-confirmation' },
  { scenario: 'duplicate-replies' },
  { scenario: 'silent:ProcessPayment' },
  { scenario: ['fail-payment', 'fail-release'] },
];

export async function placeDemoOrders(participants: Participants, count: number, logger: Logger): Promise<void> {
  for (let i = 0; i < count; i++) {
    const input = DEMO_ORDERS[i % DEMO_ORDERS.length];
    const order = await participants.createOrder(input);
    logger.info({ orderId: order.orderId, customerId: order.customerId }, 'demo order placed');
  }
}
