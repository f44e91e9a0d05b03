import { randomUUID } from 'node:crypto';
import type { AnySagaDefinition, SagaContext, SagaRegistry } from '../../core';
import type { AnySagaState } from '../ports';

/**
 * What the pure core is given for one transition: the moment, fresh ids and randomness.
 * `handsOverState`: the engine may change the states it is given in place instead of copying
 * them; set where the states are ours alone (just read from the database, or built here) and
 * a failure rolls the whole transaction back, so a half-changed state is never kept.
 */
export function sagaContext(clock: () => Date, handsOverState = false): SagaContext {
  return { now: clock(), newId: randomUUID, random: Math.random, handsOverState };
}

/** The definition a saga runs on: the version it started with. */
export function definitionOf(registry: SagaRegistry, state: AnySagaState): AnySagaDefinition {
  const def = registry.get(state.definitionName, state.definitionVersion);
  // A saga keeps the definition version it started with. A start that drops a version still in use is
  // refused (app/definitions.ts); this remains for an instance older than a version another one started sagas on.
  if (!def) throw new Error(`saga ${state.id}: definition ${state.definitionName}@${state.definitionVersion} is not registered`);
  return def;
}
