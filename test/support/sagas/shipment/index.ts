/** The shipment saga module: registered by the test build next to the production ones, never by src/sagas. */
import type { SagaModule } from '../../../../src/runtime/ports';
import { SHIPMENT_CONTRACT, type ShipmentRequested } from './contract';
import { SHIPMENT_SAGA, shipmentDefinition, type ShipmentOptions } from './definition';

export * from './contract';
export * from './definition';

export const shipmentSagaModule: SagaModule<ShipmentOptions> = {
  name: SHIPMENT_SAGA,
  options: (config) => ({
    timeoutMs: config.saga.stepTimeoutMs,
    retry: { maxAttempts: config.saga.maxAttempts, initialBackoffMs: config.saga.initialBackoffMs, maxBackoffMs: config.saga.maxBackoffMs, multiplier: 2, jitter: 0.2 },
  }),
  definitions: (options) => [shipmentDefinition(options)],
  contract: SHIPMENT_CONTRACT,
  starts: {
    ShipmentRequested: (message) => {
      const m = message as unknown as ShipmentRequested;
      return { destination: m.destination, parcels: m.parcels, bookingId: null, labelId: null };
    },
  },
  // Nothing of a shipment is searched by the order columns.
  searchKeys: () => ({ orderId: null, customerId: null, totalAmount: null, finalAmount: null, currency: null, paymentMethods: null }),
  httpCommands: {},
};
