import type { SagaRegistry } from '../../core';
import type { Logger } from '../../logger';
import type { WireMessage } from '../../messaging/contract';
import { InvalidCommandError } from '../../messaging/outgoing-check';
import { ManualActionError, applyManualAction, requestFingerprint, reusedKey, sameRequest, type ManualActionRequest } from '../manual-actions';
import { receivedMessage, sagaKeyText, type ManualActionRecord, type RawOutboxMessage, type SagaStore, type SagaTransaction } from '../ports';
import { continueTransition, endTransition } from '../saga-tracing';
import type { MessageApplier } from './apply-messages';
import { definitionOf, sagaContext } from './saga-context';
import { NOTHING_WRITTEN, type SagaWrites } from './saga-writes';
import { recordTransition, workingOf, type WorkingSaga } from './working-saga';

/** Who starts a saga by hand (startSaga), and the request as the client sent it. */
export interface ManualStart {
  actor: string;
  roles: string[];
  idempotencyKey: string;
  reason: string | null;
  request: Record<string, unknown>;
  /** The request's trace context (the GraphQL operation's span, or the caller's `traceparent`). */
  traceparent?: string;
}

export interface OperatorCommandsDeps {
  store: SagaStore;
  registry: SagaRegistry;
  logger: Logger;
  clock: () => Date;
  applier: MessageApplier;
  writes: SagaWrites;
}

/**
 * An operator's commands: manual actions on one saga and sagas started by hand. Each is recorded
 * under its idempotency key in the same transaction, so a repeated request returns what the
 * first one did instead of acting twice.
 */
export class OperatorCommands {
  constructor(private readonly deps: OperatorCommandsDeps) {}

  /**
   * Runs an operator's action on one saga. The saga row is locked first, so the action and any
   * reply for the same saga apply one after the other, never interleaved; the idempotency key
   * makes a repeated request return the saga as the first one left it.
   */
  async runManualAction(request: ManualActionRequest): Promise<{ sagaId: string; replayed: boolean }> {
    const ctx = sagaContext(this.deps.clock);
    const fingerprint = requestFingerprint(request);
    const { written, replayed } = await this.deps.store.inTransaction(async (tx) => {
      const stored = (await tx.lockSagas([request.sagaId])).get(request.sagaId);
      if (!stored) throw new ManualActionError('NOT_FOUND', `no saga with id ${request.sagaId}`);
      const replay = await this.claimKey(tx, {
        idempotencyKey: request.idempotencyKey, sagaId: request.sagaId, action: request.action, actor: request.actor,
        roles: request.roles, reason: request.reason, request: fingerprint,
        stateBefore: { status: stored.state.status, currentStep: stored.state.currentStep, version: stored.version },
      });
      if (replay) return { written: NOTHING_WRITTEN, replayed: true };
      // The caller's checks on the locked saga: permissions, an expected version (plan token).
      const def = definitionOf(this.deps.registry, stored.state);
      const refused = request.guard?.(def, stored.state, stored.version);
      if (refused) throw refused;
      const trace = continueTransition(`saga manual ${request.action}`, stored.state, undefined, request.actor, request.traceparent);
      trace.span?.setAttributes({ 'saga.manual.action': request.action, ...(request.step ? { 'saga.step': request.step } : {}) });
      const result = applyManualAction(def, stored.state, request, ctx);
      if (!result.ok) {
        endTransition(trace, undefined, result.message);
        throw new ManualActionError(result.code, result.message, { status: stored.state.status, currentStep: stored.state.currentStep });
      }
      const w = workingOf(stored);
      w.actor = request.actor;
      recordTransition(w, result, trace);
      endTransition(trace, w.state);
      return { written: await this.deps.writes.persist(tx, new Map([[w.state.id, w]])), replayed: false };
    }).catch(refusedCommand);
    this.deps.writes.committed(written);
    if (!replayed) this.deps.logger.info({ sagaId: request.sagaId, action: request.action, actor: request.actor, reason: request.reason }, 'manual action');
    return { sagaId: request.sagaId, replayed };
  }

  /** Starts a saga from a trigger message given by an operator (startSaga), idempotently. */
  async startManually(message: WireMessage, operator: ManualStart): Promise<{ sagaId: string; replayed: boolean }> {
    // The client's request, not the message built from it (which has fresh ids every time).
    const fingerprint = { action: 'start', request: operator.request };
    const { written, sagaId, replayed } = await this.deps.store.inTransaction(async (tx) => {
      const key = this.deps.applier.keyOf(message);
      const existing = (await tx.sagaIdsByKey([key])).get(sagaKeyText(key));
      const deadLetters: RawOutboxMessage[] = [];
      const raw = receivedMessage('manual', -1, '-1', Buffer.from(key.businessKey), null, operator.traceparent ? { traceparent: [Buffer.from(operator.traceparent)] } : {});
      const working = existing ? new Map<string, WorkingSaga>() : await this.deps.applier.apply(tx, [{ raw, message }], deadLetters, undefined, operator.actor);
      const started = [...working.values()][0];
      const replay = await this.claimKey(tx, {
        idempotencyKey: operator.idempotencyKey, sagaId: started?.state.id ?? existing!, action: 'start', actor: operator.actor,
        roles: operator.roles, reason: operator.reason, request: fingerprint, stateBefore: null,
      });
      // The first request's transaction committed; this one rolls back what it just built.
      if (replay) throw new ReplayedStart(replay);
      if (existing) throw new ManualActionError('INVALID_STATE', `${key.sagaType} ${key.businessKey} already has saga ${existing}`, { sagaId: existing });
      started.actor = operator.actor;
      return { written: await this.deps.writes.persist(tx, working), sagaId: started.state.id, replayed: false };
    }).catch((error) => {
      if (error instanceof ReplayedStart) return { written: NOTHING_WRITTEN, sagaId: error.sagaId, replayed: true };
      return refusedCommand(error);
    });
    this.deps.writes.committed(written);
    return { sagaId, replayed };
  }

  /**
   * Records a manual action under its idempotency key. Returns null when this request is the
   * first; the saga id of the earlier identical request otherwise; a different request under a
   * used key is refused.
   */
  private async claimKey(tx: SagaTransaction, record: ManualActionRecord): Promise<string | null> {
    const prior = await tx.claimManualAction(record);
    if (!prior) return null;
    if (!sameRequest(prior.request, record.request)) throw reusedKey(record.idempotencyKey);
    return prior.sagaId;
  }
}

/** A manual action that would send a command the contract refuses: refused with its code, nothing written. */
function refusedCommand(error: unknown): never {
  if (error instanceof InvalidCommandError) throw new ManualActionError(error.code, error.message, { problems: error.problems });
  throw error;
}

/** Unwinds the transaction of a start that an earlier request with the same key already did. */
class ReplayedStart extends Error {
  constructor(readonly sagaId: string) {
    super('replayed start');
  }
}
