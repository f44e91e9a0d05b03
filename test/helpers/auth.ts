import type { Role } from '../../src/graphql/context';

/** API keys the test services are configured with (AUTH_TOKENS), one per role. */
export const TEST_TOKENS: Record<Role, string> = {
  analyst: 'test-analyst-token-000000000000005',
  support: 'test-support-token-000000000000006',
  viewer: 'test-viewer-token-0000000000000001',
  operator: 'test-operator-token-00000000000002',
  finance: 'test-finance-token-000000000000003',
  admin: 'test-admin-token-0000000000000004',
};

/** The AUTH_TOKENS value: `token=actor:role[+role],...`. */
export const TEST_AUTH_TOKENS = Object.entries(TEST_TOKENS).map(([role, token]) => `${token}=${role}-user:${role}`).join(',');

/** HTTP headers for a caller with that role. */
export function bearer(role: Role): Record<string, string> {
  return { authorization: `Bearer ${TEST_TOKENS[role]}` };
}

/** graphql-ws connection_init payload for a caller with that role: the same header. */
export const wsAuth: (role: Role) => Record<string, unknown> = bearer;
