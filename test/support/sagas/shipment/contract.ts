/**
 * The shipment saga's wire contract: its own topics, envelope key (`shipmentId`) and messages.
 * Nothing here is shared with orders but the envelope's common fields.
 */
import { z } from 'zod';
import { OwnReason, Reason, Text, envelopeSchema, type WireContract } from '../../../../src/messaging/contract';

export const SHIPMENT_TOPICS = {
  requested: 'shipment-requested-events',
  bookCarrier: 'book-carrier-commands',
  carrierReplies: 'carrier-reply-events',
  cancelCarrier: 'cancel-carrier-commands',
  printLabel: 'print-label-commands',
  labelReplies: 'label-reply-events',
  dispatched: 'shipment-dispatched-events',
  abandoned: 'shipment-abandoned-events',
} as const;

const ShipmentEnvelope = envelopeSchema('shipmentId');
const message = <T extends string, S extends z.ZodRawShape>(eventType: T, payload: S) =>
  ShipmentEnvelope.extend({ eventType: z.literal(eventType), ...payload });

export const ShipmentRequestedSchema = message('ShipmentRequested', { destination: Text, parcels: z.number().int().positive() });
export type ShipmentRequested = z.infer<typeof ShipmentRequestedSchema>;

export const SHIPMENT_SCHEMAS = {
  ShipmentRequested: ShipmentRequestedSchema,
  CarrierBooked: message('CarrierBooked', { bookingId: Text }),
  CarrierUnavailable: message('CarrierUnavailable', { reason: Reason }),
  CarrierReleased: message('CarrierReleased', { bookingId: Text }),
  LabelPrinted: message('LabelPrinted', { labelId: Text }),
  LabelRefused: message('LabelRefused', { reason: Reason }),
  BookCarrier: message('BookCarrier', { destination: Text, parcels: z.number().int().positive() }),
  CancelCarrier: message('CancelCarrier', { bookingId: Text, reason: OwnReason }),
  PrintLabel: message('PrintLabel', { bookingId: Text }),
  ShipmentDispatched: message('ShipmentDispatched', { bookingId: Text, labelId: Text }),
  ShipmentAbandoned: message('ShipmentAbandoned', { status: Text, reason: OwnReason }),
};

export const SHIPMENT_CONTRACT: WireContract = {
  sagaType: 'shipment',
  keyField: 'shipmentId',
  topicEventTypes: {
    [SHIPMENT_TOPICS.requested]: ['ShipmentRequested'],
    [SHIPMENT_TOPICS.carrierReplies]: ['CarrierBooked', 'CarrierUnavailable', 'CarrierReleased'],
    [SHIPMENT_TOPICS.labelReplies]: ['LabelPrinted', 'LabelRefused'],
    [SHIPMENT_TOPICS.bookCarrier]: ['BookCarrier'],
    [SHIPMENT_TOPICS.cancelCarrier]: ['CancelCarrier'],
    [SHIPMENT_TOPICS.printLabel]: ['PrintLabel'],
    [SHIPMENT_TOPICS.dispatched]: ['ShipmentDispatched'],
    [SHIPMENT_TOPICS.abandoned]: ['ShipmentAbandoned'],
  },
  schemas: SHIPMENT_SCHEMAS,
  inbound: [SHIPMENT_TOPICS.requested, SHIPMENT_TOPICS.carrierReplies, SHIPMENT_TOPICS.labelReplies],
  outbound: [SHIPMENT_TOPICS.bookCarrier, SHIPMENT_TOPICS.cancelCarrier, SHIPMENT_TOPICS.printLabel, SHIPMENT_TOPICS.dispatched, SHIPMENT_TOPICS.abandoned],
};
