import { registerEnumType } from 'type-graphql';
import { SAGA_STATUSES, STEP_STATUSES } from '../../core';

/** GraphQL enums built from the core's own lists, so the two cannot drift. */
export const SagaStatus = Object.fromEntries(SAGA_STATUSES.map((s) => [s, s])) as { [K in (typeof SAGA_STATUSES)[number]]: K };
export type SagaStatus = (typeof SAGA_STATUSES)[number];
registerEnumType(SagaStatus, { name: 'SagaStatus', description: 'Where a saga is: running, compensating, or a final status.' });

export const StepStatus = Object.fromEntries(STEP_STATUSES.map((s) => [s, s])) as { [K in (typeof STEP_STATUSES)[number]]: K };
export type StepStatus = (typeof STEP_STATUSES)[number];
registerEnumType(StepStatus, { name: 'StepStatus', description: 'Where one step of a saga is.' });
