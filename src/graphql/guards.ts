import { GraphQLError } from 'graphql';
import { ManualActionError } from '../runtime/manual-actions';
import { hasRole } from '../runtime/permissions';
import type { GraphQLContext, Role, Viewer } from './context';

/**
 * UNAUTHENTICATED without valid credentials, FORBIDDEN without one of the roles. Over HTTP the
 * errors carry their status (401, 403); a subscription's start has none to set.
 */
export function requireRoles(context: GraphQLContext, roles: Role[], http = false): Viewer {
  const status = (code: number) => (http ? { http: { status: code } } : {});
  if (context.authError) throw new GraphQLError(context.authError, { extensions: { code: 'UNAUTHENTICATED', ...status(401) } });
  if (!context.viewer) throw new GraphQLError('authentication required: send an API key as a Bearer token', { extensions: { code: 'UNAUTHENTICATED', ...status(401) } });
  const viewer = context.viewer;
  if (!roles.some((role) => hasRole(viewer.roles, role))) {
    throw new GraphQLError(`forbidden: needs role ${roles.join(' or ')}`, { extensions: { code: 'FORBIDDEN', requiredRoles: roles, ...status(403) } });
  }
  return viewer;
}

/** The same check as @Authorized, for places it does not reach (a subscription's start). */
export function requireRole(context: GraphQLContext, role: Role): Viewer {
  return requireRoles(context, [role]);
}

/** The error for an argument the caller got wrong (`argumentName` says which). */
export function badInput(message: string, argumentName?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(argumentName ? { argumentName } : {}) } });
}

/** Turns a refused manual action into a GraphQL error whose extensions carry its code. */
export async function asGraphQLErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ManualActionError) throw new GraphQLError(error.message, { extensions: { code: error.code, ...error.details } });
    throw error;
  }
}
