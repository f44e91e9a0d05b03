import { isTerminal } from '../core';
import type { AnySagaState } from './ports';

export type AuditOutcomeStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

export interface AuditOutcome {
  status: AuditOutcomeStatus;
  /** What decided it, in words an operator reads. */
  detail: string;
  sagaStatus: string;
  stepStatus: string | null;
}

/**
 * The real outcome of a manual action, judged from the saga as it is now: did the retried step
 * succeed, did every compensation complete, did the resumed saga finish. Pure, so the audit log
 * can compute it whenever it is read and store it once it is final.
 */
export function auditOutcome(action: string, step: string | null, state: AnySagaState): AuditOutcome {
  const stepState = step ? state.steps.find((s) => s.name === step) ?? null : null;
  const base = { sagaStatus: state.status, stepStatus: stepState?.status ?? null };
  const pending = (detail: string): AuditOutcome => ({ status: 'PENDING', detail, ...base });
  const succeeded = (detail: string): AuditOutcome => ({ status: 'SUCCEEDED', detail, ...base });
  const failed = (detail: string): AuditOutcome => ({ status: 'FAILED', detail, ...base });
  const compensationEnd = (): AuditOutcome | null => {
    if (state.status === 'COMPENSATION_FAILED') return failed('a compensation kept failing');
    if (isTerminal(state.status) && state.status !== 'COMPLETED' && state.status !== 'ABORTED' && !state.steps.some((s) => s.needsCompensation)) {
      return succeeded(`every compensation completed (${state.status})`);
    }
    return null;
  };
  switch (action) {
    case 'abort':
      return state.status === 'ABORTED' ? succeeded('the saga stopped') : pending('not yet aborted');
    case 'compensate':
      return compensationEnd() ?? (state.status === 'COMPLETED' ? failed('the saga completed instead') : pending('compensating'));
    case 'retryStep':
    case 'resendCommand':
    case 'skipStep': {
      if (!stepState) return failed(`no step ${step}`);
      if (stepState.status === 'SUCCEEDED') return succeeded(`step ${step} succeeded`);
      if (stepState.status === 'SKIPPED') return succeeded(`step ${step} was skipped`);
      if (stepState.status === 'COMPENSATED') return succeeded(`step ${step} was compensated`);
      if (stepState.status === 'FAILED') return failed(`step ${step} failed: ${stepState.lastError ?? 'no reason'}`);
      return compensationEnd() ?? (isTerminal(state.status) ? failed(`the saga ended ${state.status}`) : pending(`step ${step} is ${stepState.status}`));
    }
    case 'resume':
    case 'start':
      if (state.status === 'COMPLETED') return succeeded('the saga completed');
      if (state.status === 'COMPENSATION_FAILED' || state.status === 'ABORTED') return failed(`the saga ended ${state.status}`);
      if (isTerminal(state.status)) return failed(`the saga ended ${state.status} after compensating`);
      return pending(`the saga is ${state.status}`);
    default:
      return pending('unknown action');
  }
}
