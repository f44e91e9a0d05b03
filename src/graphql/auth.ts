import { createHash } from 'node:crypto';
import type { AuthChecker } from 'type-graphql';
import { requireRoles } from './guards';
import { parseApiKeySpec } from './api-key-spec';
import type { GraphQLContext, Role, Viewer } from './context';

/**
 * Authentication by API keys from configuration (AUTH_TOKENS), sent as `Authorization: Bearer
 * <key>` over HTTP and as `{ authorization: "Bearer <key>" }` in graphql-ws's connection_init.
 * API keys rather than JWTs: the control plane is used by a handful of services and staff
 * tools, keys are revoked by removing them from configuration, and no issuer is needed.
 */
export class ApiKeys {
  private readonly byHash = new Map<string, Viewer>();

  constructor(spec: string) {
    try {
      for (const { token, actor, roles } of parseApiKeySpec(spec)) this.byHash.set(hash(token), { actor, roles });
    } catch (error) {
      throw new Error(`AUTH_TOKENS: ${(error as Error).message}`);
    }
  }

  /** null: no credentials; 'invalid': credentials that match no key. */
  authenticate(authorization: unknown): Viewer | null | 'invalid' {
    if (authorization === undefined || authorization === null || authorization === '') return null;
    if (typeof authorization !== 'string') return 'invalid';
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) return 'invalid';
    return this.byHash.get(hash(match[1])) ?? 'invalid';
  }
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}


/** type-graphql's @Authorized(roles): UNAUTHENTICATED without valid credentials, FORBIDDEN without the role. */
export const authChecker: AuthChecker<GraphQLContext, Role> = ({ context }, roles) => {
  requireRoles(context, roles.length > 0 ? roles : ['viewer'], true);
  return true;
};
