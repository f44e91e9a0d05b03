import { TOPICS } from './contract';

/**
 * The order's participant command topics that may be routed over HTTP, each with the reply
 * topics its participant answers on (CONTRACT.md). The first one is the fallback: a reply body
 * that is not JSON or whose eventType does not belong to this command is delivered there as is,
 * so the orchestrator's edge validation dead-letters it with the error (`<topic>.dlq`).
 */
export const ORDER_HTTP_COMMANDS: Readonly<Record<string, readonly string[]>> = {
  [TOPICS.reserveInventory]: [TOPICS.productReserved, TOPICS.productReservationFailed],
  [TOPICS.confirmInventory]: [TOPICS.inventoryConfirmed],
  [TOPICS.releaseInventory]: [TOPICS.compensation],
  [TOPICS.applyCoupon]: [TOPICS.couponApplied, TOPICS.couponFailed],
  [TOPICS.cancelCoupon]: [TOPICS.compensation],
  [TOPICS.processPayment]: [TOPICS.paymentProcessed, TOPICS.paymentFailed, TOPICS.splitPaymentProcessed],
  [TOPICS.refundPayment]: [TOPICS.compensation],
};
