import type { Config } from '../config';
import { createRegistry, type AnySagaDefinition, type SagaRegistry } from '../core/registry';
import { BUILT_IN_STATUSES } from '../core/state';
import { wireOf, type Wire } from '../messaging/contract';
import { NO_SEARCH_KEYS, type AnySagaModule, type AnySagaState, type SagaSearchKeys } from './ports';
import type { SagaTrigger } from './processor/apply-messages';

/** The registered saga modules, put together for the runtime and the adapters. */
export interface RegisteredSagas {
  modules: readonly AnySagaModule[];
  /** Every version of every definition. */
  registry: SagaRegistry;
  /** Their contracts as one: what the orchestrator consumes, produces and validates. */
  wire: Wire;
  /** eventType -> the saga it starts. */
  triggers: Record<string, SagaTrigger>;
  /** Participant command topics that may be called over HTTP -> their reply topics. */
  httpCommands: Record<string, readonly string[]>;
  /** A saga's search keys, by its module (none for a type no module registers). */
  searchKeys(state: AnySagaState): SagaSearchKeys;
}

/** Builds every module's definitions from the configuration and joins their contracts, refusing clashes. */
export function registerSagas(modules: readonly AnySagaModule[], config: Config): RegisteredSagas {
  const byName = new Map<string, AnySagaModule>();
  for (const m of modules) {
    if (byName.has(m.name)) throw new Error(`saga module '${m.name}' registered twice`);
    byName.set(m.name, m);
  }
  const definitions = modules.flatMap((m) => {
    const defs = m.definitions(m.options(config));
    const foreign = defs.find((d) => d.name !== m.name);
    if (m.contract.sagaType !== m.name) throw new Error(`saga module '${m.name}' brings the contract of '${m.contract.sagaType}'`);
    const keyField = defs.find((d) => d.businessKeyField !== m.contract.keyField);
    if (keyField) throw new Error(`saga definition ${keyField.name}@${keyField.version} keys its messages by '${keyField.businessKeyField}', its contract by '${m.contract.keyField}'`);
    if (foreign) throw new Error(`saga module '${m.name}' defines a saga named '${foreign.name}'`);
    for (const def of defs) checkStatuses(def);
    return defs;
  });
  const registry = createRegistry(definitions);
  const triggers: Record<string, SagaTrigger> = {};
  const httpCommands: Record<string, readonly string[]> = {};
  for (const m of modules) {
    const definition = registry.latest(m.name);
    if (!definition) throw new Error(`saga module '${m.name}' has no definition`);
    for (const [eventType, data] of Object.entries(m.starts)) {
      if (triggers[eventType]) throw new Error(`eventType '${eventType}' starts two sagas`);
      triggers[eventType] = { definition, data };
    }
    Object.assign(httpCommands, m.httpCommands);
  }
  return {
    modules, registry, wire: wireOf(modules.map((m) => m.contract)), triggers, httpCommands,
    searchKeys: (state) => byName.get(state.definitionName)?.searchKeys(state.businessKey, state.data) ?? NO_SEARCH_KEYS,
  };
}

/** A status is an API enum value: a name, and one the definition declares unless the engine knows it. */
function checkStatuses(def: AnySagaDefinition): void {
  const where = `saga definition ${def.name}@${def.version}`;
  for (const status of def.failureStatuses) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(status)) throw new Error(`${where}: failure status '${status}' must be UPPER_SNAKE_CASE`);
  }
  const known = new Set<string>([...BUILT_IN_STATUSES, ...def.failureStatuses]);
  for (const step of def.steps) {
    if (!known.has(step.failureStatus)) throw new Error(`${where}: step ${step.name} fails with '${step.failureStatus}', which failureStatuses does not declare`);
  }
}
