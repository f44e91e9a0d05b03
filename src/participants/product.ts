/** Simulated Product service: reserves, confirms and releases stock. */
import { randomUUID } from 'node:crypto';
import { TOPICS } from '../sagas/order/contract';
import type { Ledger } from './ledger';
import type { ServiceSpec } from './service';

/** How long a reservation holds the stock (only reported; the simulator never expires it). */
const RESERVATION_TTL_MS = 15 * 60_000;

export function productService(ledger: Ledger): ServiceSpec {
  return {
    name: 'product',
    topics: [TOPICS.reserveInventory, TOPICS.confirmInventory, TOPICS.releaseInventory],
    handle(command, scenario, reply) {
      const order = ledger.record(command.orderId);
      switch (command.eventType) {
        case 'ReserveInventory': {
          if (scenario.failReservation) {
            order.reservationFailures += 1;
            reply('ProductReservationFailed', {
              reason: 'insufficient stock',
              products: command.items.map((i) => ({
                productId: i.productId, sku: i.sku, requestedQuantity: i.quantity, availableQuantity: 0, reason: 'OUT_OF_STOCK',
              })),
            });
            return;
          }
          const products = command.items.map((i) => ({ productId: i.productId, sku: i.sku, quantity: i.quantity }));
          const reservationId = randomUUID();
          order.reservations.push({ reservationId, products, released: false, confirmed: false });
          reply('ProductReserved', { reservationId, products, expirationTime: new Date(Date.now() + RESERVATION_TTL_MS).toISOString() });
          return;
        }
        case 'ConfirmInventory': {
          const { reservationId } = command;
          const reservation = order.reservations.find((r) => r.reservationId === reservationId);
          const refusal = scenario.failConfirmation
            ? 'stock no longer available'
            : !reservation
              ? 'unknown reservation'
              : reservation.released
                ? 'reservation was released'
                : null;
          if (refusal) {
            order.confirmationFailures += 1;
            if (!scenario.failConfirmation) order.problems.push(`ConfirmInventory: ${refusal} ${reservationId}`);
            reply('InventoryConfirmationFailed', { reservationId, reason: refusal });
            return;
          }
          if (reservation!.confirmed) order.problems.push(`ConfirmInventory: reservation ${reservationId} confirmed twice`);
          reservation!.confirmed = true;
          order.confirmations.push(reservationId);
          reply('InventoryConfirmed', { reservationId });
          return;
        }
        case 'ReleaseInventory': {
          const { reservationId, reason } = command;
          const reservation = order.reservations.find((r) => r.reservationId === reservationId);
          // Releasing is idempotent for the caller; a second release or an unknown one is flagged.
          if (!reservation) order.problems.push(`ReleaseInventory: unknown reservation ${reservationId}`);
          else if (reservation.released) order.problems.push(`ReleaseInventory: reservation ${reservationId} released twice`);
          else {
            reservation.released = true;
            order.releases.push({ reservationId, reason });
          }
          reply('InventoryReleased', { reservationId });
          return;
        }
        default:
          throw new Error(`Product service does not handle ${command.eventType}`);
      }
    },
  };
}
