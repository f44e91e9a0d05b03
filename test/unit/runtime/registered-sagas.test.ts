import { loadConfig } from '../../../src/config';
import { registerSagas } from '../../../src/runtime/registered-sagas';
import { SAGA_MODULES, orderSagaModule } from '../../../src/sagas';
import { shipmentSagaModule } from '../../support/sagas/shipment';

describe('registering saga modules', () => {
  const config = loadConfig({}, []);

  it('joins the modules: definitions, starts, topics, and the business key of each message', () => {
    const sagas = registerSagas([...SAGA_MODULES, shipmentSagaModule], config);
    expect(sagas.registry.list().map((d) => `${d.name}@${d.version}`)).toEqual(['order@1', 'shipment@1']);
    expect(Object.keys(sagas.triggers).sort()).toEqual(['OrderCreated', 'ShipmentRequested']);
    expect(sagas.wire.inbound).toEqual(expect.arrayContaining(['order-created-events', 'shipment-requested-events', 'label-reply-events']));
    const message = { eventId: 'e', eventType: 'CarrierReleased', sagaId: null, shipmentId: 's-1', correlationId: 'c', causationId: null, timestamp: 't', retryCount: 0 };
    expect(sagas.wire.keyOf(message)).toEqual({ sagaType: 'shipment', businessKey: 's-1' });
  });

  it('refuses a module twice, a topic claimed twice, and a failure status no definition declares', () => {
    expect(() => registerSagas([orderSagaModule, orderSagaModule], config)).toThrow(/registered twice/);
    const thief = { ...shipmentSagaModule, contract: { ...shipmentSagaModule.contract, topicEventTypes: { ...shipmentSagaModule.contract.topicEventTypes, 'order-created-events': ['X'] } } };
    expect(() => registerSagas([orderSagaModule, thief], config)).toThrow(/claimed by two saga contracts/);
    const undeclared = {
      ...shipmentSagaModule,
      definitions: (o: Parameters<typeof shipmentSagaModule.definitions>[0]) => shipmentSagaModule.definitions(o).map((d) => ({ ...d, failureStatuses: ['TIMED_OUT'] })),
    };
    expect(() => registerSagas([undeclared], config)).toThrow(/fails with 'NO_CARRIER', which failureStatuses does not declare/);
  });
});
