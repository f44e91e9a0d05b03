/** The order saga as a module: what src/sagas/index.ts registers. */
import type { Config } from '../../config';
import type { SagaModule } from '../../runtime/ports/saga-module';
import { ORDER_CONTRACT, type OrderCreated } from './contract';
import { orderSagaData } from './data';
import { ORDER_SAGA_NAME, ORDER_STEPS, orderSagaDefinition, type OrderSagaOptions } from './definition';
import { ORDER_HTTP_COMMANDS } from './http-commands';
import { orderSearchKeys } from './search-keys';

/** The order saga's options from the service's configuration (SAGA_* settings). */
export function orderSagaOptions(config: Config): OrderSagaOptions {
  const { saga } = config;
  return {
    couponPolicy: saga.couponPolicy,
    timeoutsMs: Object.fromEntries(ORDER_STEPS.map((step) => [step, saga.stepTimeoutMs])),
    retry: { maxAttempts: saga.maxAttempts, initialBackoffMs: saga.initialBackoffMs, maxBackoffMs: saga.maxBackoffMs },
  };
}

export const orderSagaModule: SagaModule<OrderSagaOptions> = {
  name: ORDER_SAGA_NAME,
  options: orderSagaOptions,
  definitions: (options) => [orderSagaDefinition(options)],
  contract: ORDER_CONTRACT,
  starts: { OrderCreated: (message) => orderSagaData(message as unknown as OrderCreated) },
  searchKeys: orderSearchKeys,
  httpCommands: ORDER_HTTP_COMMANDS,
};
