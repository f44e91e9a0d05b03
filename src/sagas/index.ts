/** The business sagas this service runs, built from configuration. */
import { createRegistry, type SagaRegistry } from '../core/registry';
import { orderSagaDefinition, type OrderSagaOptions } from './order/definition';

export * from './order';

/** Every saga definition (all versions still in use) in one registry. */
export function createSagaRegistry(order: OrderSagaOptions = { couponPolicy: 'continue' }): SagaRegistry {
  return createRegistry([orderSagaDefinition(order)]);
}
