/**
 * Whether the definitions a build registers may run the sagas already in the database: a
 * version still in use must be registered, with the fingerprint its sagas started with.
 */
import { definitionKey, shortFingerprint, type DefinitionFingerprint } from './fingerprint';
import type { SagaStatus } from './state';

/**
 * The statuses in which a saga still runs on its definition: RUNNING and COMPENSATING move by
 * themselves; COMPENSATION_FAILED waits for an operator to retry its compensations, which the
 * definition builds. Besides these, a saga counts while a timer is armed (an ended saga still
 * undoing an unkept effect, such as a second charge).
 */
export const IN_USE_STATUSES: readonly SagaStatus[] = ['RUNNING', 'COMPENSATING', 'COMPENSATION_FAILED'];

/** A definition as this build registers it. */
export interface RegisteredDefinition {
  name: string;
  version: number;
  fingerprint: DefinitionFingerprint;
}

/** Sagas in use (see IN_USE_STATUSES) of one name@version that started with one fingerprint. */
export interface DefinitionUsage {
  name: string;
  version: number;
  /** null: started before fingerprints were recorded; nothing to compare with. */
  fingerprint: DefinitionFingerprint | null;
  running: number;
}

export type DefinitionConflict =
  /** Sagas in use started with another fingerprint than this build's for the same name@version. */
  | { kind: 'changed'; name: string; version: number; registered: DefinitionFingerprint; recorded: DefinitionFingerprint; running: number }
  /** Sagas in use run on a name@version this build does not register. */
  | { kind: 'unregistered'; name: string; version: number; running: number };

/** Every reason the registered definitions cannot run the sagas in use; empty: they can. */
export function definitionConflicts(registered: readonly RegisteredDefinition[], usage: readonly DefinitionUsage[]): DefinitionConflict[] {
  const byKey = new Map(registered.map((d) => [definitionKey(d.name, d.version), d]));
  const unregistered = new Map<string, { name: string; version: number; running: number }>();
  const conflicts: DefinitionConflict[] = [];
  for (const use of usage) {
    if (use.running <= 0) continue;
    const key = definitionKey(use.name, use.version);
    const def = byKey.get(key);
    if (!def) {
      const seen = unregistered.get(key) ?? { name: use.name, version: use.version, running: 0 };
      seen.running += use.running;
      unregistered.set(key, seen);
    } else if (use.fingerprint !== null && use.fingerprint !== def.fingerprint) {
      conflicts.push({ kind: 'changed', name: use.name, version: use.version, registered: def.fingerprint, recorded: use.fingerprint, running: use.running });
    }
  }
  for (const u of unregistered.values()) conflicts.push({ kind: 'unregistered', ...u });
  return conflicts.sort((a, b) => a.name.localeCompare(b.name) || a.version - b.version);
}

/** What an operator reads when a start is refused: which definition, why, and what to do. */
export function conflictMessage(conflict: DefinitionConflict): string {
  const key = definitionKey(conflict.name, conflict.version);
  const sagas = conflict.running === 1 ? '1 saga that started with it is' : `${conflict.running} sagas that started with it are`;
  if (conflict.kind === 'unregistered') {
    return `${key} is not registered, but ${sagas} still running: keep registering ${key} until they have finished.`;
  }
  return `${key} has changed (fingerprint ${shortFingerprint(conflict.registered)}) while ${sagas} still running `
    + `(fingerprint ${shortFingerprint(conflict.recorded)}): bump the version, registering the change as `
    + `${definitionKey(conflict.name, conflict.version + 1)} and keeping ${key} as it was until those sagas have finished, `
    + 'or start with the settings they started with.';
}

/** Thrown at start when the registered definitions cannot run the sagas in use. */
export class DefinitionConflictError extends Error {
  readonly code = 'DEFINITION_CONFLICT';

  constructor(readonly conflicts: DefinitionConflict[]) {
    super(`refusing to start: ${conflicts.map(conflictMessage).join(' ')}`);
    this.name = 'DefinitionConflictError';
  }
}
