import { GraphQLError } from 'graphql';
import { ManualActionError } from '../runtime/manual-actions';
import { hasRole } from '../runtime/permissions';
import type { GraphQLContext, Role, Viewer } from './context';

/** The same check as @Authorized, for places it does not reach (a subscription's start). */
export function requireRole(context: GraphQLContext, role: Role): Viewer {
  if (context.authError) throw new GraphQLError(context.authError, { extensions: { code: 'UNAUTHENTICATED' } });
  if (!context.viewer) throw new GraphQLError('authentication required: send an API key as a Bearer token', { extensions: { code: 'UNAUTHENTICATED' } });
  if (!hasRole(context.viewer.roles, role)) throw new GraphQLError(`forbidden: needs role ${role}`, { extensions: { code: 'FORBIDDEN', requiredRoles: [role] } });
  return context.viewer;
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
