/**
 * The record of saga definitions: which name@version each saga in use started with, and which
 * fingerprint each registered definition was last registered with. persistence/definition-catalog.ts
 * implements it; the start of a service (app/definitions.ts) and GraphQL's sagaDefinitions read it.
 */
import type { DefinitionUsage, RegisteredDefinition } from '../../core';

/** A recorded definition whose fingerprint this registration replaced. */
export interface ReplacedFingerprint {
  name: string;
  version: number;
  previous: string;
}

export interface DefinitionCatalog {
  /** Sagas in use (core IN_USE_STATUSES, or a timer armed), counted per name@version and fingerprint. */
  usage(): Promise<DefinitionUsage[]>;
  /** Records the registered definitions and their fingerprints; returns the fingerprints it replaced. */
  record(registered: readonly RegisteredDefinition[]): Promise<ReplacedFingerprint[]>;
}
