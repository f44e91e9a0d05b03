import { DefinitionConflictError, definitionConflicts, definitionKey, shortFingerprint, type SagaRegistry } from '../core';
import type { Logger } from '../logger';
import type { DefinitionCatalog } from '../runtime/ports';

/**
 * Before this instance consumes anything: may its registered definitions run the sagas already
 * in the database? A saga keeps the definition version it started with, so a version still in
 * use must be registered, with the fingerprint its sagas started with; otherwise the start is
 * refused (DefinitionConflictError names each name@version and says to bump the version).
 *
 * A changed fingerprint with no saga in use on that version is accepted and recorded: nothing
 * runs that could change behaviour half-way, and refusing would force a new version for every
 * configuration change made while the service was idle. The change is logged.
 */
export async function checkRegisteredDefinitions(
  registry: SagaRegistry, fingerprints: ReadonlyMap<string, string>, catalog: DefinitionCatalog, logger: Logger,
): Promise<void> {
  const registered = registry.list().map((def) => {
    const fingerprint = fingerprints.get(definitionKey(def.name, def.version));
    if (!fingerprint) throw new Error(`no fingerprint for ${definitionKey(def.name, def.version)}`);
    return { name: def.name, version: def.version, fingerprint };
  });
  const conflicts = definitionConflicts(registered, await catalog.usage());
  if (conflicts.length > 0) throw new DefinitionConflictError(conflicts);
  for (const replaced of await catalog.record(registered)) {
    const now = registered.find((d) => d.name === replaced.name && d.version === replaced.version)!;
    logger.info(
      { definition: definitionKey(replaced.name, replaced.version), previous: shortFingerprint(replaced.previous), fingerprint: shortFingerprint(now.fingerprint) },
      'saga definition changed while no saga ran on it: new fingerprint recorded',
    );
  }
}
