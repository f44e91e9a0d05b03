import { compensationPlan, type SagaRegistry } from '../core';
import { rolesRequired } from '../runtime/permissions';
import type { CompensationPlan } from './types/plan';
import { badInput } from './guards';
import type { SagaRecord } from '../runtime/ports';

/**
 * The plan token binds a compensation plan to the saga version it was computed from:
 * `compensateSaga(planToken)` runs only if the saga is still at that version.
 */
export function planToken(sagaId: string, version: number): string {
  return Buffer.from(`plan:${sagaId}:${version}`, 'utf8').toString('base64url');
}

export function versionOfPlanToken(token: string, sagaId: string): number {
  const match = /^plan:([0-9a-f-]{36}):(\d+)$/i.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match || match[1] !== sagaId) {
    throw badInput('planToken is not a token compensationPlan returned for this saga', 'planToken');
  }
  return Number(match[2]);
}

/** Dry run: what compensating the saga now would do, in order, from what actually completed. */
export function buildCompensationPlan(record: SagaRecord, registry: SagaRegistry): CompensationPlan {
  const { state } = record;
  const def = registry.get(state.definitionName, state.definitionVersion);
  if (!def) throw new Error(`saga ${state.id} uses definition ${state.definitionName}@${state.definitionVersion}, which is not registered`);
  return {
    sagaId: state.id,
    sagaStatus: state.status,
    sagaVersion: record.version,
    planToken: planToken(state.id, record.version),
    requiredRoles: rolesRequired(def, state, 'compensate'),
    compensations: compensationPlan(def, state).map((c) => ({
      step: c.step,
      participant: c.participant,
      stepStatus: c.stepStatus,
      inProgress: c.inProgress,
      commands: c.commands.map((cmd) => ({ topic: cmd.topic, eventType: cmd.eventType, payload: cmd.payload })),
    })),
  };
}
