import { registerEnumType } from 'type-graphql';
import { STEP_STATUSES, type SagaStatus as EngineSagaStatus } from '../../core';

/**
 * The saga statuses of the registered saga modules (the built-in ones and those their
 * definitions declare): filled by useSagaStatuses before the schema is built, so the enum and
 * the filters that take it follow the registered sagas.
 */
export const SagaStatus: Record<string, string> = {};
export type SagaStatus = EngineSagaStatus;
registerEnumType(SagaStatus, { name: 'SagaStatus', description: 'Where a saga is: running, compensating, or a final status.' });

/** Makes the SagaStatus enum these statuses, in this order (core's sagaStatuses). */
export function useSagaStatuses(statuses: readonly string[]): void {
  for (const key of Object.keys(SagaStatus)) delete SagaStatus[key];
  for (const status of statuses) SagaStatus[status] = status;
}

/** GraphQL enum built from the core's own list, so the two cannot drift. */
export const StepStatus = Object.fromEntries(STEP_STATUSES.map((s) => [s, s])) as { [K in (typeof STEP_STATUSES)[number]]: K };
export type StepStatus = (typeof STEP_STATUSES)[number];
registerEnumType(StepStatus, { name: 'StepStatus', description: 'Where one step of a saga is.' });
