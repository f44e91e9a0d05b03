import { isDeepStrictEqual } from 'node:util';
import { abort, compensate, resume, retryStep, skipStep, type AnySagaDefinition, type ManualResult, type Operator, type SagaContext } from '../core';
import type { AnySagaState } from './ports';
import { skipOutputProblems } from './skip-output';

export type ManualActionName = 'compensate' | 'abort' | 'retryStep' | 'skipStep' | 'resume' | 'resendCommand';

/** An operator's request, as the control plane hands it to the runtime. */
export interface ManualActionRequest {
  action: ManualActionName;
  sagaId: string;
  step?: string;
  output?: Record<string, unknown>;
  reason: string;
  actor: string;
  roles: string[];
  idempotencyKey: string;
  /** The request's trace context: the action's span (in the saga's trace) links to it. Not part of the fingerprint. */
  traceparent?: string;
  /**
   * Runs on the locked saga before the action (inside its transaction): returns an error to
   * refuse it, e.g. a missing role for this step or a saga that changed since the plan was made.
   * Not part of the idempotency fingerprint.
   */
  guard?: (def: AnySagaDefinition, state: AnySagaState, version: number) => ManualActionError | null;
}

/** A refused manual action; `code` goes to GraphQL's extensions.code. */
export class ManualActionError extends Error {
  constructor(readonly code: string, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}

/** Runs one manual action through the pure core. */
export function applyManualAction(def: AnySagaDefinition, state: AnySagaState, request: ManualActionRequest, ctx: SagaContext): ManualResult<unknown> {
  const operator: Operator = { actor: request.actor, reason: request.reason };
  switch (request.action) {
    case 'compensate': return compensate(def, state, operator, ctx);
    case 'abort': return abort(def, state, operator, ctx);
    case 'resume': return resume(def, state, operator, ctx);
    // Re-sending a command is a retry of its step: same eventIds, retryCount + 1.
    case 'retryStep':
    case 'resendCommand': return retryStep(def, state, request.step ?? '', operator, ctx);
    case 'skipStep': {
      const problems = skipOutputProblems(def.steps.find((s) => s.name === request.step)?.outputSchema, request.output);
      // Thrown rather than returned: the per-field problems travel to the client (extensions.fieldErrors).
      if (problems) {
        throw new ManualActionError('INVALID_OUTPUT', `output does not match the output schema of ${request.step}: ${problems.map((p) => p.message).join('; ')}`, { fieldErrors: problems });
      }
      return skipStep(def, state, request.step ?? '', request.output, operator, ctx);
    }
  }
}

/** The arguments that make two requests "the same" for idempotency. */
export function requestFingerprint(request: { action: string; sagaId?: string; step?: string; output?: unknown; reason?: string }): Record<string, unknown> {
  return { action: request.action, sagaId: request.sagaId ?? null, step: request.step ?? null, output: request.output ?? null, reason: request.reason ?? null };
}

/** Equal as JSON values: the stored copy went through JSONB, which reorders keys. */
export function sameRequest(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}

/** An idempotency key sent again with a different request. */
export function reusedKey(key: string): ManualActionError {
  return new ManualActionError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${key} was already used for a different request`);
}
