/**
 * Business keys copied out of a saga's state into saga_instance columns on every write, so the
 * control plane's search (`sagas(filter)`) runs on indexes instead of walking JSON:
 *
 *   customer_id, total_amount, final_amount, currency, payment_methods: the search keys the saga's
 *                           module exposes (SagaModule.searchKeys; sagas/order/search-keys.ts for orders)
 *   failed_step     text    the step whose failure ended the forward phase (see failedStep)
 *
 * Migration20261126010000 adds the columns (and backfills existing rows with the same rules in SQL).
 */
import type { AnySagaState } from '../runtime/ports';

/**
 * The forward step that failed: the one whose failure ended the forward phase, because it
 * answered with an error, exhausted its attempts (timeout), or an operator stopped it (manual
 * compensate or abort of a running saga). Defined for every saga whose forward phase ended in
 * failure (failureStatus set, or ABORTED): COMPENSATING, COMPENSATION_FAILED, ABORTED and the
 * failed end statuses. It is that step even after the step goes on to undo its own partial
 * effects (a split payment with one failed part: FAILED -> COMPENSATING -> COMPENSATED).
 * Forward steps run one at a time and nothing runs forward after a failure, so it is the last
 * step, in definition order, that was ever started. Null for RUNNING and COMPLETED sagas and for
 * a saga aborted before any step started. A compensation that gives up does not change it: find
 * those by status COMPENSATION_FAILED (currentStep names the compensation that gave up).
 */
export function failedStep(state: AnySagaState): string | null {
  if (state.failureStatus === null && state.status !== 'ABORTED') return null;
  for (let i = state.steps.length - 1; i >= 0; i--) {
    if (state.steps[i].startedAtMs !== null) return state.steps[i].name;
  }
  return null;
}
