import { traceIdOf } from '../tracing/traceparent';
import type { SagaEventType, SagaStepType, SagaType } from './types/saga';
import type { SagaEventRecord, SagaRecord } from '../runtime/ports';

const date = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms));

/** The GraphQL view of a stored saga; everything comes from the state the engine wrote. */
export function toSagaType(record: SagaRecord): SagaType {
  const s = record.state;
  const data = (s.data ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    id: s.id,
    type: s.definitionName,
    definitionVersion: s.definitionVersion,
    orderId: s.businessKey,
    businessKey: s.businessKey,
    customerId: text(data.customerId),
    status: s.status,
    failureStatus: s.failureStatus,
    failureReason: s.failureReason,
    currentStep: s.currentStep,
    lastError: s.lastError,
    warnings: s.warnings,
    totalAmount: text(data.totalAmount),
    finalAmount: text(data.finalAmount),
    currency: text(data.currency),
    data,
    steps: s.steps.map((step, position): SagaStepType => ({
      name: step.name,
      position,
      status: step.status,
      attempts: step.attempts,
      compensationAttempts: step.compensationAttempts,
      lastError: step.lastError,
      startedAt: date(step.startedAtMs),
      endedAt: date(step.endedAtMs),
      compensationStartedAt: date(step.compensationStartedAtMs),
      compensationEndedAt: date(step.compensationEndedAtMs),
      commandEventIds: step.commandEventIds,
    })),
    timer: s.timer ? { dueAt: new Date(s.timer.dueAtMs), purpose: s.timer.purpose, step: s.timer.step, phase: s.timer.phase, attempt: s.timer.attempt } : null,
    unkeptEffects: (s.unkept ?? []).map((e) => ({
      step: e.step, key: e.key, status: e.status, reportedBy: e.reportedBy, detail: e.detail, attempts: e.attempts,
      commandEventIds: e.commands.map((c) => c.eventId), startedAt: new Date(e.startedAtMs), endedAt: date(e.endedAtMs), dueAt: date(e.timer?.dueAtMs),
    })),
    startedAt: new Date(s.startedAtMs),
    updatedAt: new Date(s.updatedAtMs),
    endedAt: date(s.endedAtMs),
    durationMs: s.endedAtMs === null ? null : s.endedAtMs - s.startedAtMs,
    version: record.version,
    eventSequence: record.eventSeq,
    traceId: traceIdOf(s.traceparent),
    engineState: s,
  };
}

export function toSagaEventType(e: SagaEventRecord): SagaEventType {
  return { sagaId: e.sagaId, sequence: e.seq, type: e.type, step: e.step, detail: e.detail, actor: e.actor, at: e.createdAt };
}
