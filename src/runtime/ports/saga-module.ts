/**
 * A saga module: everything one business flow brings to the engine (src/sagas/<name>/), as one
 * value. The engine, the runtime and the adapters know sagas only through the modules registered
 * in src/sagas/index.ts; nothing here is about any one business.
 */
import type { AnySagaDefinition } from '../../core/registry';
import type { Config } from '../../config';
import type { WireContract, WireMessage } from '../../messaging/contract';

/** How a message that starts a saga of this module maps to the saga's initial data. */
export type SagaStartData = (message: WireMessage) => unknown;

/**
 * What a saga exposes to search (copied into indexed columns of the saga store on every write,
 * see persistence/search-keys.ts): null where the saga's data has no such thing.
 */
export interface SagaSearchKeys {
  /** The order a saga is about (the API's `orderId` filter and `sagaByOrder`). */
  orderId: string | null;
  customerId: string | null;
  totalAmount: string | null;
  finalAmount: string | null;
  currency: string | null;
  paymentMethods: string[] | null;
}

/** The search keys of a saga whose data has none of them (or whose type no module registers). */
export const NO_SEARCH_KEYS: SagaSearchKeys = { orderId: null, customerId: null, totalAmount: null, finalAmount: null, currency: null, paymentMethods: null };

export interface SagaModule<Options = unknown> {
  /** The saga type: the name of its definitions. */
  name: string;
  /** Its options, read from the service's configuration (timeouts, retries, business policies). */
  options(config: Config): Options;
  /**
   * Every version still registered, built with those options; new sagas start on the highest.
   * A running saga keeps the version it started with, so an old version stays while sagas use it.
   */
  definitions(options: Options): AnySagaDefinition[];
  /** Its wire contract: topics, eventTypes and their schemas. */
  contract: WireContract;
  /** The eventTypes that start a saga of this type, each with how the message maps to its data. */
  starts: Readonly<Record<string, SagaStartData>>;
  /** Its search keys, from the saga's business key and data. */
  searchKeys(businessKey: string, data: unknown): SagaSearchKeys;
  /**
   * Its participant command topics that may be called over HTTP instead of the broker, each with
   * the reply topics its participant answers on; the first is where an unrecognised reply goes
   * (to be dead-lettered by validation).
   */
  httpCommands: Readonly<Record<string, readonly string[]>>;
}

/** A module whose options type is not known here (the SAGA_MODULES list). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySagaModule = SagaModule<any>;
