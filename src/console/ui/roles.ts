/**
 * What the UI offers a caller, mirroring the API's coarse role gates (src/graphql/resolvers): a
 * finer per-step rule (e.g. a refund needs finance) is the API's to enforce, and its refusal is
 * shown as it comes.
 */
export type Roles = readonly string[];

const has = (roles: Roles, role: string) => roles.includes('admin') || roles.includes(role);

/** retryStep, resendCommand, skipStep, resumeSaga, compensateSaga. */
export const canIntervene = (roles: Roles) => ['support', 'operator', 'finance'].some((r) => has(roles, r));

/** abortSaga, startSaga and bulk actions. */
export const canOperate = (roles: Roles) => has(roles, 'operator');
