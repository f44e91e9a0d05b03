import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { KafkaTransport } from '../../../src/messaging/kafka-transport';
import { PrefixedTransport } from '../../../src/messaging/prefixed-transport';
import type { MessageTransport, Subscription } from '../../../src/runtime/ports';
import { SAGA_MODULES } from '../../../src/sagas';
import { bearer, wsAuth } from '../../helpers/auth';
import { postGraphQL, wsClient } from '../../helpers/graphql';
import { FAST_SAGA_ENV } from '../../helpers/saga-stack';
import { startTestService, type TestService } from '../../helpers/service';
import { eventually, kafkaBrokers, uniqueName } from '../../helpers/services';
import { SHIPMENT_TOPICS, shipmentSagaModule } from '../../support/sagas/shipment';

/**
 * A second saga type that shares nothing with orders (its topics, envelope key, statuses and
 * data), registered next to the order module, through the real runtime, Kafka, PostgreSQL and
 * GraphQL: started by its own event, failed and compensated, listed by type, and subscribed to.
 */
describe('a second saga type: shipments', () => {
  const prefix = `${uniqueName('ship')}.`;
  let service: TestService;
  let transport: MessageTransport;
  let carrier: Subscription;
  const sent: Record<string, unknown>[] = [];
  const url = () => service.url;

  /** The Carrier and Labels services: a destination containing `refuse` gets no label; releases answer without sagaId. */
  async function startParticipants(): Promise<Subscription> {
    const topics = [SHIPMENT_TOPICS.bookCarrier, SHIPMENT_TOPICS.printLabel, SHIPMENT_TOPICS.cancelCarrier, SHIPMENT_TOPICS.dispatched, SHIPMENT_TOPICS.abandoned];
    await transport.ensureTopics([...topics, SHIPMENT_TOPICS.carrierReplies, SHIPMENT_TOPICS.labelReplies]);
    return transport.subscribe({ groupId: uniqueName('carrier'), topics, fromBeginning: true }, async (batch) => {
      for (const raw of batch) {
        const command = JSON.parse(raw.value!.toString()) as Record<string, unknown>;
        sent.push(command);
        const reply = (topic: string, eventType: string, payload: Record<string, unknown>, sagaId: unknown = command.sagaId) => transport.publish([{
          topic, key: String(command.shipmentId),
          value: JSON.stringify({
            eventId: randomUUID(), eventType, sagaId, shipmentId: command.shipmentId, correlationId: command.correlationId,
            causationId: command.eventId, timestamp: new Date().toISOString(), retryCount: 0, ...payload,
          }),
        }]);
        if (command.eventType === 'BookCarrier') await reply(SHIPMENT_TOPICS.carrierReplies, 'CarrierBooked', { bookingId: `bk-${String(command.shipmentId).slice(0, 8)}` });
        if (command.eventType === 'PrintLabel') {
          const refused = sent.some((c) => c.shipmentId === command.shipmentId && String(c.destination ?? '').includes('refuse'));
          await (refused
            ? reply(SHIPMENT_TOPICS.labelReplies, 'LabelRefused', { reason: 'address not deliverable' })
            : reply(SHIPMENT_TOPICS.labelReplies, 'LabelPrinted', { labelId: 'lbl-1' }));
        }
        // No sagaId: the shipment module routes it by its business key.
        if (command.eventType === 'CancelCarrier') await reply(SHIPMENT_TOPICS.carrierReplies, 'CarrierReleased', { bookingId: command.bookingId }, null);
      }
    });
  }

  async function requestShipment(destination: string): Promise<string> {
    const shipmentId = randomUUID();
    await transport.publish([{
      topic: SHIPMENT_TOPICS.requested, key: shipmentId,
      value: JSON.stringify({
        eventId: randomUUID(), eventType: 'ShipmentRequested', sagaId: null, shipmentId, correlationId: randomUUID(), causationId: null,
        timestamp: new Date().toISOString(), retryCount: 0, destination, parcels: 2,
      }),
    }]);
    return shipmentId;
  }

  const SAGAS = `query($filter: SagaFilter) { sagas(filter: $filter, first: 50) { totalCount edges { node { id type businessKey orderId status failureStatus currentStep steps { name status } } } } }`;
  async function shipments(filter: Record<string, unknown>) {
    const { body } = await postGraphQL(url(), SAGAS, { filter }, bearer('viewer'));
    expect(body.errors).toBeUndefined();
    return body.data.sagas as { totalCount: number; edges: { node: { id: string; type: string; businessKey: string; orderId: string; status: string; steps: { name: string; status: string }[] } }[] };
  }
  const waitForStatus = (shipmentId: string, status: string) => eventually(async () => {
    const { edges } = await shipments({ type: 'shipment', businessKey: shipmentId });
    return edges[0]?.node.status === status ? edges[0].node : undefined;
  }, 30000, `shipment ${shipmentId} to reach ${status}`);

  beforeAll(async () => {
    transport = new PrefixedTransport(new KafkaTransport({ brokers: kafkaBrokers(), clientId: 'carrier', logger: pino({ level: 'silent' }) }), prefix);
    service = await startTestService(
      { KAFKA_TOPIC_PREFIX: prefix, KAFKA_GROUP_ID: uniqueName('orchestrator'), ...FAST_SAGA_ENV }, undefined, [...SAGA_MODULES, shipmentSagaModule],
    );
    carrier = await startParticipants();
  }, 60000);

  afterAll(async () => {
    await carrier?.stop();
    await service?.stop();
    await transport?.close();
    await service?.database.drop();
  });

  it('starts from its own event, books and labels, and announces the dispatch', async () => {
    const shipmentId = await requestShipment('Hamburg');
    const saga = await waitForStatus(shipmentId, 'COMPLETED');
    expect(saga).toMatchObject({ type: 'shipment', businessKey: shipmentId, steps: [{ name: 'bookCarrier', status: 'SUCCEEDED' }, { name: 'printLabel', status: 'SUCCEEDED' }] });
    await eventually(() => sent.find((m) => m.eventType === 'ShipmentDispatched' && m.shipmentId === shipmentId), 20000, 'ShipmentDispatched');
  });

  it('fails with its own status, compensates (a reply without sagaId routed by shipmentId), and is streamed to a subscriber', async () => {
    const client = wsClient(url(), wsAuth('viewer'));
    const updates: { sagaId: string; businessKey: string; sagaStatus: string; step: { name: string; status: string } }[] = [];
    const unsubscribe = client.subscribe<{ sagaStepUpdated: (typeof updates)[number] }>(
      { query: 'subscription { sagaStepUpdated { sagaId businessKey sagaStatus step { name status } } }' },
      { next: (v) => { if (v.data) updates.push(v.data.sagaStepUpdated); }, error: () => undefined, complete: () => undefined },
    );
    try {
      // The subscription is live once a first update of another saga arrives (none is replayed).
      await eventually(async () => {
        await requestShipment('Bremen');
        await new Promise((r) => setTimeout(r, 500));
        return updates.length > 0 ? true : undefined;
      }, 20000, 'the subscription to be live');
      const shipmentId = await requestShipment('refuse this street');
      const saga = await waitForStatus(shipmentId, 'LABEL_REFUSED');
      expect(saga.steps).toEqual([{ name: 'bookCarrier', status: 'COMPENSATED' }, { name: 'printLabel', status: 'FAILED' }]);
      const abandoned = await eventually(() => sent.find((m) => m.eventType === 'ShipmentAbandoned' && m.shipmentId === shipmentId), 20000, 'ShipmentAbandoned');
      expect(abandoned).toMatchObject({ status: 'LABEL_REFUSED', reason: 'address not deliverable', sagaId: saga.id });
      expect(sent.find((m) => m.eventType === 'CancelCarrier' && m.shipmentId === shipmentId)).toMatchObject({ bookingId: `bk-${shipmentId.slice(0, 8)}` });
      await eventually(() => updates.find((u) => u.sagaId === saga.id && u.sagaStatus === 'LABEL_REFUSED'), 20000, 'the failure on the subscription');
      expect(updates.filter((u) => u.sagaId === saga.id).every((u) => u.businessKey === shipmentId)).toBe(true);
    } finally {
      unsubscribe();
      await client.dispose();
    }
  });

  it('lists sagas by type and by its own statuses, which the API enum carries', async () => {
    const all = await shipments({ type: 'shipment' });
    expect(all.totalCount).toBeGreaterThanOrEqual(3);
    expect(all.edges.every((e) => e.node.type === 'shipment' && e.node.orderId === e.node.businessKey)).toBe(true);
    const refused = await shipments({ type: 'shipment', status: ['LABEL_REFUSED'] });
    expect(refused.totalCount).toBe(1);
    expect((await shipments({ type: 'order' })).totalCount).toBe(0);
    const { body } = await postGraphQL(url(), '{ __type(name: "SagaStatus") { enumValues { name } } }', {}, bearer('viewer'));
    expect(body.data.__type.enumValues.map((v: { name: string }) => v.name)).toEqual(expect.arrayContaining(['NO_CARRIER', 'LABEL_REFUSED', 'PAYMENT_FAILED']));
  });
});
