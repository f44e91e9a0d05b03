/** The saga engine: definitions are data, transitions are pure functions of state and input. */
export * from './definition';
export * from './state';
export * from './events';
export * from './outbox';
export * from './retry';
export { type SagaTransition } from './transition';
export { startSaga, type StartSagaInput } from './start';
export { applyReply } from './reply';
export { fireTimer } from './timer';
export { nextDueAtMs, unkeptEffects } from './unkept';
export { compensationPlan, type PlannedCompensation } from './compensation';
export * from './manual';
export * from './registry';
export { personalDataPolicy, type PersonalDataPolicy } from './personal-data';
export * as money from './money';
export * from './fingerprint';
export * from './definition-usage';
