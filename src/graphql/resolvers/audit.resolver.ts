import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { badInput, requireRole } from '../guards';
import { COST, pageOf, readsRows } from '../limits';
import { isAuditPosition } from '../../persistence/audit-repository';
import type { SchemaDependencies } from '../schema';
import { AuditEntry, AuditFilter, AuditPage } from '../types/audit';
import { SagaType } from '../types/saga';
import { auditStream } from '../streams/audit-stream';
import { DEFAULT_SUBSCRIBER_BUFFER } from '../streams/subscriber-buffer';
import type { AuditRecord } from '../../runtime/ports';

const encode = (r: AuditRecord) => Buffer.from(`${r.at.toISOString()}|${r.id}`, 'utf8').toString('base64url');
function decode(cursor: string): { at: string; id: string } {
  const [at, ...id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const position = { at, id: id.join('|') };
  if (id.length === 0 || !isAuditPosition(position)) throw badInput('after is not a cursor this API returned', 'after');
  return position;
}

/** The audit log of manual actions, per saga and across sagas, and its live stream. */
export function auditResolvers(deps: Pick<SchemaDependencies, 'audit' | 'changes' | 'subscriberBuffer'>) {
  @Resolver(() => SagaType)
  class SagaAuditFieldResolver {
    @FieldResolver(() => [AuditEntry], { description: 'Manual actions on this saga, oldest first, with their outcomes.', complexity: readsRows(() => COST.auditEntriesPerSaga) })
    auditLog(@Root() saga: SagaType, @Ctx() ctx: GraphQLContext): Promise<AuditEntry[]> {
      return ctx.auditLoader.load(saga.id);
    }
  }

  @Resolver()
  class AuditResolver {
    @Authorized()
    @Query(() => AuditPage, { description: 'Manual actions across sagas, newest first, each with its real outcome.', complexity: readsRows((args) => pageOf(args, 50, 500)) })
    async auditLog(
      @Arg('filter', () => AuditFilter, { nullable: true }) filter: AuditFilter | undefined,
      @Arg('first', () => Int, { defaultValue: 50 }) first: number,
      @Arg('after', () => String, { nullable: true }) after: string | undefined,
    ): Promise<AuditPage> {
      if (first < 1 || first > 500) throw badInput(`first must be between 1 and 500, got ${first}`, 'first');
      const records = await deps.audit.list(filter ?? {}, first + 1, after ? decode(after) : undefined);
      const page = records.slice(0, first);
      const entries = filter?.outcome ? page.filter((r) => r.outcome.status === filter.outcome) : page;
      return { entries, endCursor: page.length ? encode(page[page.length - 1]) : null, hasNextPage: records.length > first };
    }

    @Authorized()
    @Subscription(() => AuditEntry, {
      description: 'Audit entries as they are recorded and again when their outcome becomes known.',
      subscribe: ({ args, context }) => {
        requireRole(context as GraphQLContext, 'viewer');
        return auditStream(deps, ((args as { filter?: AuditFilter }).filter ?? {}) as AuditFilter, deps.subscriberBuffer ?? DEFAULT_SUBSCRIBER_BUFFER);
      },
    })
    auditLogUpdated(@Arg('filter', () => AuditFilter, { nullable: true }) _filter: AuditFilter | undefined, @Root() entry: AuditEntry): AuditEntry {
      return entry;
    }
  }
  return [SagaAuditFieldResolver, AuditResolver];
}
