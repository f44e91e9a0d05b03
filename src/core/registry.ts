import type { SagaDefinition } from './definition';

// Definitions differ in their data type; the registry hands them out untyped and each saga
// module narrows its own. `any` is deliberate: SagaDefinition<D> is invariant in D.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySagaDefinition = SagaDefinition<any>;

/**
 * Every version of every saga definition the service knows. A running saga keeps the version
 * it started with, so old versions stay registered until no saga uses them.
 */
export interface SagaRegistry {
  /** The exact version a saga started with. */
  get(name: string, version: number): AnySagaDefinition | undefined;
  /** The version new sagas start with. */
  latest(name: string): AnySagaDefinition | undefined;
  list(): AnySagaDefinition[];
}

export function createRegistry(definitions: AnySagaDefinition[]): SagaRegistry {
  const byKey = new Map<string, AnySagaDefinition>();
  for (const def of definitions) {
    const key = `${def.name}@${def.version}`;
    if (byKey.has(key)) throw new Error(`saga definition ${key} registered twice`);
    byKey.set(key, def);
  }
  const all = [...byKey.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version - b.version);
  return {
    get: (name, version) => byKey.get(`${name}@${version}`),
    latest: (name) => all.filter((d) => d.name === name).at(-1),
    list: () => [...all],
  };
}
