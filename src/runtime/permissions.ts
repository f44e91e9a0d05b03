import { compensationPlan, unkeptEffects, type AnySagaDefinition } from '../core';
import { ManualActionError, type ManualActionName } from './manual-actions';
import type { AnySagaState } from './ports';

/** Does someone with these roles satisfy `required`? admin satisfies all; any role can view. */
export function hasRole(roles: readonly string[], required: string): boolean {
  if (roles.includes('admin') || roles.includes(required)) return true;
  return required === 'viewer' && roles.length > 0;
}

/**
 * Who may run a manual action on a saga as it stands. The mutations' @Authorized roles are the
 * coarse gate; this is the fine one, read from the saga definition's `operatorRoles`: e.g.
 * support may retry or skip stock steps, and anything whose effect is a refund needs finance.
 */
export function rolesRequired(def: AnySagaDefinition, state: AnySagaState, action: ManualActionName | 'start', step?: string): string[] {
  const forwardRoles = (name: string) => def.steps.find((s) => s.name === name)?.operatorRoles?.forward ?? ['operator'];
  const undoRoles = (name: string) => def.steps.find((s) => s.name === name)?.operatorRoles?.compensation ?? ['operator'];
  const compensating = state.steps.find((s) => s.status === 'COMPENSATING')?.name;
  switch (action) {
    case 'start':
    case 'abort':
      return ['operator'];
    case 'compensate':
      // Every compensation the action would run must be allowed (a refund among them needs finance).
      return strictest(compensationPlan(def, state).map((c) => undoRoles(c.step)));
    case 'resume': {
      const resumed = compensating ? undoRoles(compensating) : state.currentStep ? forwardRoles(state.currentStep) : ['operator'];
      // Resume also re-sends undos of unkept effects that gave up (a refund needs finance).
      const undos = unkeptEffects(state).filter((e) => e.status === 'FAILED').map((e) => undoRoles(e.step));
      return undos.length > 0 ? strictest([resumed, ...undos]) : resumed;
    }
    case 'retryStep':
    case 'resendCommand':
    case 'skipStep':
      if (!step) return ['operator'];
      return compensating === step ? undoRoles(step) : forwardRoles(step);
  }
}

/**
 * The guard every manual action runs with, on the locked saga inside its transaction, whether it
 * comes from a mutation or a bulk action: refuses it with FORBIDDEN when the roles do not allow it.
 */
export function permissionGuard(action: ManualActionName, step: string | undefined, roles: readonly string[]) {
  return (def: AnySagaDefinition, state: AnySagaState): ManualActionError | null => {
    const required = rolesRequired(def, state, action, step);
    if (required.some((role) => hasRole(roles, role))) return null;
    return new ManualActionError('FORBIDDEN', `${action}${step ? ` of ${step}` : ''} on this saga needs role ${required.join(' or ')}`, { requiredRoles: required });
  };
}

/** The roles allowed by every list; with none in common, the list asking for finance (the rarer role). */
function strictest(lists: string[][]): string[] {
  if (lists.length === 0) return ['operator'];
  const [first, ...rest] = lists;
  const common = first.filter((r) => rest.every((l) => l.includes(r)));
  return common.length > 0 ? common : lists.find((l) => l.includes('finance')) ?? first;
}
