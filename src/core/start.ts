import type { SagaContext, SagaDefinition } from './definition';
import { advanceFrom } from './forward';
import { newStepState, type SagaState } from './state';
import { Transition, type SagaTransition } from './transition';

export interface StartSagaInput<D> {
  sagaId: string;
  /** The saga's business key (unique per saga type; e.g. the order id). */
  businessKey: string;
  data: D;
  /** eventId of the message that started the saga (OrderCreated). */
  causationId: string | null;
  /** Shared by every message of the saga; defaults to the sagaId. */
  correlationId?: string;
  /** The trace the saga belongs to (kept in its state, see SagaState.traceparent). */
  traceparent?: string;
}

/** Creates the saga and starts its first applicable step. */
export function startSaga<D>(def: SagaDefinition<D>, input: StartSagaInput<D>, ctx: SagaContext): SagaTransition<D> {
  const nowMs = ctx.now.getTime();
  const initial: SagaState<D> = {
    id: input.sagaId,
    definitionName: def.name,
    definitionVersion: def.version,
    businessKey: input.businessKey,
    correlationId: input.correlationId ?? input.sagaId,
    status: 'RUNNING',
    failureStatus: null,
    failureReason: null,
    currentStep: null,
    data: input.data,
    steps: def.steps.map((s) => newStepState(s.name)),
    timer: null,
    outcomeSent: false,
    startedAtMs: nowMs,
    updatedAtMs: nowMs,
    endedAtMs: null,
    lastError: null,
    warnings: [],
    unkept: [],
  };
  if (input.traceparent) initial.traceparent = input.traceparent;
  const t = new Transition(def, initial, ctx);
  t.event('SAGA_STARTED', null, { definition: def.name, version: def.version, causationId: input.causationId });
  advanceFrom(t, 0, input.causationId);
  return t.done();
}
