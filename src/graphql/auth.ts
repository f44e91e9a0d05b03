import { createHash } from 'node:crypto';
import type { AuthChecker } from 'type-graphql';
import { requireRoles } from './guards';
import { ROLES, type GraphQLContext, type Role, type Viewer } from './context';

/**
 * Authentication by API keys from configuration (AUTH_TOKENS), sent as `Authorization: Bearer
 * <key>` over HTTP and as `{ authorization: "Bearer <key>" }` in graphql-ws's connection_init.
 * API keys rather than JWTs: the control plane is used by a handful of services and staff
 * tools, keys are revoked by removing them from configuration, and no issuer is needed.
 */
export class ApiKeys {
  private readonly byHash = new Map<string, Viewer>();

  constructor(spec: string) {
    for (const entry of spec.split(',').map((e) => e.trim()).filter(Boolean)) {
      const match = /^([^=\s]{16,})=([^:\s]+):([a-z+]+)$/.exec(entry);
      if (!match) throw new Error(`AUTH_TOKENS: bad entry "${entry.slice(0, 6)}...": expected token=actor:role[+role], token at least 16 characters`);
      const roles = match[3].split('+');
      const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
      if (unknown.length > 0) throw new Error(`AUTH_TOKENS: unknown role(s) ${unknown.join(', ')} for actor ${match[2]}`);
      this.byHash.set(hash(match[1]), { actor: match[2], roles: roles as Role[] });
    }
    if (this.byHash.size === 0) throw new Error('AUTH_TOKENS: no keys given');
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
