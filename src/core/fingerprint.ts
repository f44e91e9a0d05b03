/**
 * A definition's fingerprint: a hash of the settings that decide how its sagas behave, so a
 * deploy that changes them under a version still in use is caught at start (app/definitions.ts)
 * instead of silently changing sagas half-way through.
 *
 * What counts is what a definition holds as data: its name and version, its failure statuses,
 * its steps in order and, per step, whether it is optional, the replies it understands, its
 * retry policy and timeout, its failure status, whether and how it may be skipped (outputSchema,
 * a custom applySkipOutput), its compensation (conditional or not, replies, retry, timeout), its
 * handling of unkept effects (replies, retry, timeout), and the definition's `settings`.
 *
 * Functions cannot be hashed: what `invoke`, the reply handlers, `when` or `onCompleted` do is
 * not in the fingerprint, only that they exist. A setting they close over (a policy read from
 * configuration) must be declared in `settings` to count; a change to their code needs a new
 * version by hand. Descriptions, participants' display names, operator roles and personal fields
 * do not change how a saga runs and are left out, so editing them needs no new version.
 */
import { createHash } from 'node:crypto';
import type { CompensationDefinition, RetryPolicy, StepDefinition, UnkeptEffectsDefinition } from './definition';
import type { AnySagaDefinition } from './registry';

/** Bumped only if what counts changes: every definition's fingerprint changes with it. */
const SCHEME = 'saga-definition-fingerprint/1';

/** `sha256:` and 64 hex digits. */
export type DefinitionFingerprint = string;

/** The data a definition's fingerprint is the hash of (see the module comment). */
export function fingerprintInput(def: AnySagaDefinition): Record<string, unknown> {
  return {
    name: def.name,
    version: def.version,
    // A set: the order they are listed in means nothing.
    failureStatuses: [...new Set(def.failureStatuses)].sort(),
    steps: def.steps.map(stepInput),
    settings: def.settings ?? {},
  };
}

/** The definition's fingerprint: stable across key order and runs, changed by any setting that counts. */
export function definitionFingerprint(def: AnySagaDefinition): DefinitionFingerprint {
  const text = `${SCHEME}\n${canonicalJson(fingerprintInput(def))}`;
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** `name@version`, as definitions are named in messages and logs. */
export function definitionKey(name: string, version: number): string {
  return `${name}@${version}`;
}

/** The fingerprint of every definition, by definitionKey. */
export function fingerprintsOf(defs: readonly AnySagaDefinition[]): Map<string, DefinitionFingerprint> {
  return new Map(defs.map((def) => [definitionKey(def.name, def.version), definitionFingerprint(def)]));
}

/** The first hex digits, enough to tell fingerprints apart in a message. */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.replace(/^sha256:/, '').slice(0, 12);
}

/**
 * JSON with every object's keys sorted, so equal data gives equal text whatever order it was
 * written in. Arrays keep their order (the order of steps is behaviour). Absent and `undefined`
 * properties are the same; anything that is not JSON data (a function, a symbol, a bigint, a
 * non-finite number, a class instance) is refused rather than silently dropped.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} is not JSON data`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item, i) => (item === undefined ? 'null' : write(item, `${path}[${i}]`))).join(',')}]`;
  if (typeof value === 'object' && isPlainObject(value)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v, `${path}.${k}`)}`).join(',')}}`;
  }
  throw new TypeError(`${path}: a ${typeof value === 'object' ? 'class instance' : typeof value} is not JSON data; fingerprints hash data only`);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function stepInput(step: StepDefinition<unknown>): Record<string, unknown> {
  return {
    name: step.name,
    optional: typeof step.when === 'function',
    replies: replyTypes(step.replies),
    retry: retryInput(step.retry),
    timeoutMs: step.timeoutMs,
    failureStatus: step.failureStatus,
    skippable: step.skippable,
    outputSchema: step.outputSchema ?? null,
    customSkipOutput: typeof step.applySkipOutput === 'function',
    compensation: step.compensation ? compensationInput(step.compensation) : null,
    unkept: step.unkept ? unkeptInput(step.unkept) : null,
  };
}

function compensationInput(compensation: CompensationDefinition<unknown>): Record<string, unknown> {
  return {
    conditional: typeof compensation.when === 'function',
    replies: replyTypes(compensation.replies),
    // Unset means "the step's own": that is what it is, and the step's values are hashed there.
    retry: compensation.retry ? retryInput(compensation.retry) : null,
    timeoutMs: compensation.timeoutMs ?? null,
  };
}

function unkeptInput(unkept: UnkeptEffectsDefinition<unknown>): Record<string, unknown> {
  return {
    replies: replyTypes(unkept.replies),
    retry: unkept.retry ? retryInput(unkept.retry) : null,
    timeoutMs: unkept.timeoutMs ?? null,
  };
}

/** Only the policy's own fields: a policy object carrying more must not change the hash. */
function retryInput(retry: RetryPolicy): RetryPolicy {
  return {
    maxAttempts: retry.maxAttempts, initialBackoffMs: retry.initialBackoffMs, maxBackoffMs: retry.maxBackoffMs,
    multiplier: retry.multiplier, jitter: retry.jitter,
  };
}

/** The event types a reply map understands; the map's order means nothing. */
function replyTypes(replies: Record<string, unknown>): string[] {
  return Object.keys(replies).sort();
}
