/** The business sagas this service runs: one line per saga module. */
import type { AnySagaModule } from '../runtime/ports/saga-module';
import { createRegistry, type SagaRegistry } from '../core/registry';
import { orderSagaDefinition, type OrderSagaOptions } from './order/definition';
import { orderSagaModule } from './order/module';

export * from './order';

/** Every saga module the service registers. */
export const SAGA_MODULES: readonly AnySagaModule[] = [
  orderSagaModule,
];

/** The participant command topics of the registered sagas that may be routed over HTTP (PARTICIPANT_HTTP_ROUTES). */
export const SAGA_HTTP_COMMANDS: Readonly<Record<string, readonly string[]>> = Object.assign({}, ...SAGA_MODULES.map((m) => m.httpCommands));

/** The order saga's definitions alone, built from the given options (tests and tools). */
export function createSagaRegistry(order: OrderSagaOptions = { couponPolicy: 'continue' }): SagaRegistry {
  return createRegistry([orderSagaDefinition(order)]);
}
