/** A shipment: book a carrier (undone by cancelling it), then print the label; dispatched, or abandoned. */
import type { RetryPolicy, SagaDefinition } from '../../../../src/core';
import { SHIPMENT_TOPICS } from './contract';

export interface ShipmentData {
  destination: string;
  parcels: number;
  bookingId: string | null;
  labelId: string | null;
}

export interface ShipmentOptions {
  timeoutMs: number;
  retry: RetryPolicy;
}

export const SHIPMENT_SAGA = 'shipment';

export function shipmentDefinition(options: ShipmentOptions): SagaDefinition<ShipmentData> {
  const { retry, timeoutMs } = options;
  return {
    name: SHIPMENT_SAGA,
    version: 1,
    businessKeyField: 'shipmentId',
    steps: [
      {
        name: 'bookCarrier',
        participant: 'Carrier',
        description: 'Book a carrier for the parcels.',
        invoke: (d) => [{ topic: SHIPMENT_TOPICS.bookCarrier, eventType: 'BookCarrier', payload: { destination: d.destination, parcels: d.parcels } }],
        replies: {
          CarrierBooked: (d, r) => ({ kind: 'succeeded', data: { ...d, bookingId: String(r.bookingId) } }),
          CarrierUnavailable: (_d, r) => ({ kind: 'failed', reason: String(r.reason) }),
        },
        compensation: {
          when: (d) => d.bookingId !== null,
          commands: (d, c) => [{ topic: SHIPMENT_TOPICS.cancelCarrier, eventType: 'CancelCarrier', payload: { bookingId: d.bookingId, reason: `${c.status}: ${c.reason}` } }],
          replies: { CarrierReleased: (d, r) => ({ done: r.bookingId === d.bookingId, data: d }) },
        },
        retry, timeoutMs, failureStatus: 'NO_CARRIER', skippable: false,
      },
      {
        name: 'printLabel',
        participant: 'Labels',
        description: 'Print the shipping label.',
        invoke: (d) => [{ topic: SHIPMENT_TOPICS.printLabel, eventType: 'PrintLabel', payload: { bookingId: d.bookingId } }],
        replies: {
          LabelPrinted: (d, r) => ({ kind: 'succeeded', data: { ...d, labelId: String(r.labelId) } }),
          LabelRefused: (_d, r) => ({ kind: 'failed', reason: String(r.reason) }),
        },
        retry, timeoutMs, failureStatus: 'LABEL_REFUSED', skippable: false,
      },
    ],
    onCompleted: (d) => [{ topic: SHIPMENT_TOPICS.dispatched, eventType: 'ShipmentDispatched', payload: { bookingId: d.bookingId, labelId: d.labelId } }],
    onFailed: (_d, status, reason) => [{ topic: SHIPMENT_TOPICS.abandoned, eventType: 'ShipmentAbandoned', payload: { status, reason } }],
    failureStatuses: ['NO_CARRIER', 'LABEL_REFUSED', 'TIMED_OUT', 'COMPENSATED'],
    personalFields: ['destination'],
  };
}
