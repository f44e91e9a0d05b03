import { GraphQLError } from 'graphql';
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { BULK_DEFAULT_LIMIT, BULK_MAX_LIMIT, type BulkActionName, type BulkActionService } from '../../runtime/bulk-actions';
import type { GraphQLContext } from '../context';
import { asGraphQLErrors, badInput, requireRole } from '../guards';
import { pageOf, readsRows } from '../limits';
import type { SchemaDependencies } from '../schema';
import {
  BulkActionInput, BulkActionItemType, BulkActionKind, BulkActionPreview, BulkActionProgress, BulkActionStatus, BulkActionType,
  BulkItemStatus, BulkProgressKind, RunBulkActionArgs,
} from '../types/bulk';
import { SagaFilter } from '../types/filter';
import { listFilter } from './saga-query.resolver';
import { bulkProgressStream, type BulkProgressStep } from '../streams/bulk-progress-stream';
import { DEFAULT_SUBSCRIBER_BUFFER } from '../streams/subscriber-buffer';
import type { BulkActionItemRecord, BulkActionRecord, BulkProgressNotice, ChangeSource } from '../../runtime/ports';

/** What the bulk action resolvers need: the service and progress notices from every instance. */
export interface BulkDependencies {
  service: Pick<BulkActionService, 'preview' | 'run' | 'get' | 'items' | 'itemsAfterSeq'>;
  progress: ChangeSource<BulkProgressNotice>;
}

const KIND_TO_ACTION: Record<BulkActionKind, BulkActionName> = {
  COMPENSATE: 'compensate', ABORT: 'abort', RESUME: 'resume', RETRY_STEP: 'retryStep', RESEND_COMMAND: 'resendCommand',
};
const ACTION_TO_KIND = Object.fromEntries(Object.entries(KIND_TO_ACTION).map(([k, a]) => [a, k])) as Record<string, BulkActionKind>;

const MAX_ITEMS_PAGE = 1000;

export function toBulkActionType(b: BulkActionRecord, now = Date.now()): BulkActionType {
  const status = b.status === 'PREVIEWED' && b.expiresAt.getTime() <= now ? BulkActionStatus.EXPIRED : (b.status as BulkActionStatus);
  return {
    id: b.id, action: ACTION_TO_KIND[b.action], step: b.step, status, filter: b.filter, total: b.total,
    pending: b.total - b.succeeded - b.failed - b.skipped, succeeded: b.succeeded, failed: b.failed, skipped: b.skipped,
    createdBy: b.createdBy, createdAt: b.createdAt, expiresAt: b.expiresAt, reason: b.reason, startedBy: b.startedBy,
    startedAt: b.startedAt, finishedAt: b.finishedAt,
  };
}

function toItemType(i: BulkActionItemRecord): BulkActionItemType {
  return {
    sagaId: i.sagaId, position: i.position, versionAtPreview: i.versionAtPreview, status: i.status as BulkItemStatus, code: i.code,
    message: i.message, sequence: i.seq, startedAt: i.startedAt, finishedAt: i.finishedAt,
  };
}

/**
 * Bulk actions on a frozen selection: previewBulkAction stores exactly the sagas a filter matches
 * now, runBulkAction acts on exactly those in the background (see runtime/bulk-actions.ts),
 * bulkAction shows where a run is, bulkActionProgress streams it.
 */
export function bulkActionResolvers(deps: Pick<SchemaDependencies, 'bulk' | 'subscriberBuffer'>) {
  const bulk = (): BulkDependencies => {
    if (!deps.bulk) throw new Error('bulk actions are not configured');
    return deps.bulk;
  };

  @Resolver(() => BulkActionType)
  class BulkActionResolver {
    @Authorized('operator')
    @Mutation(() => BulkActionPreview, {
      description: `Freezes the sagas \`filter\` matches now (the same filter and order as \`sagas\`, up to \`limit\`, at most ${BULK_MAX_LIMIT}) for one action; `
        + 'runBulkAction(token) acts on exactly these, never on sagas that match later. Changes no saga.',
    })
    async previewBulkAction(
      @Arg('filter', () => SagaFilter, { nullable: true }) filter: SagaFilter | null,
      @Arg('action', () => BulkActionInput) action: BulkActionInput,
      @Arg('limit', () => Int, { defaultValue: BULK_DEFAULT_LIMIT }) limit: number,
      @Ctx() ctx: GraphQLContext,
    ): Promise<BulkActionPreview> {
      const where = listFilter(filter, Date.now());
      return asGraphQLErrors(async () => {
        const { bulk: stored, sagaIds, truncated } = await bulk().service.preview({
          filter: where, filterInput: JSON.parse(JSON.stringify(filter ?? {})) as Record<string, unknown>,
          action: KIND_TO_ACTION[action.action], step: action.step ?? null, limit, actor: ctx.viewer!.actor,
        });
        return { token: stored.id, sagaIds, count: sagaIds.length, truncated, expiresAt: stored.expiresAt, action: action.action, step: stored.step };
      });
    }

    @Authorized('operator')
    @Mutation(() => BulkActionType, {
      description: 'Runs a previewed selection in the background and returns at once (RUNNING). Refused for an unknown token (NOT_FOUND), '
        + 'an expired one (SELECTION_EXPIRED) or one already run (INVALID_STATE). Each saga is acted on once, as the caller, with `reason`.',
    })
    async runBulkAction(@Args(() => RunBulkActionArgs) args: RunBulkActionArgs, @Ctx() ctx: GraphQLContext): Promise<BulkActionType> {
      const viewer = ctx.viewer!;
      return asGraphQLErrors(async () => toBulkActionType(await bulk().service.run({
        id: args.token, reason: args.reason, idempotencyKey: args.idempotencyKey, actor: viewer.actor, roles: viewer.roles,
      })));
    }

    @Authorized()
    @Query(() => BulkActionType, { nullable: true, description: 'A bulk action with its counts and items; null when there is none.' })
    async bulkAction(@Arg('id', () => ID) id: string): Promise<BulkActionType | null> {
      const record = await bulk().service.get(id);
      return record ? toBulkActionType(record) : null;
    }

    @FieldResolver(() => [BulkActionItemType], {
      description: `The selection's sagas in order with their outcome, \`first\` (1 to ${MAX_ITEMS_PAGE}) after \`afterPosition\`.`,
      complexity: readsRows((args) => pageOf(args, 200, MAX_ITEMS_PAGE)),
    })
    async items(
      @Root() root: BulkActionType,
      @Arg('status', () => [BulkItemStatus], { nullable: true }) status: BulkItemStatus[] | null,
      @Arg('first', () => Int, { defaultValue: 200 }) first: number,
      @Arg('afterPosition', () => Int, { defaultValue: 0 }) afterPosition: number,
    ): Promise<BulkActionItemType[]> {
      if (!Number.isInteger(first) || first < 1 || first > MAX_ITEMS_PAGE) {
        throw badInput(`first must be between 1 and ${MAX_ITEMS_PAGE}, got ${first}`, 'first');
      }
      return (await bulk().service.items(root.id, status ?? null, afterPosition, first)).map(toItemType);
    }

    @Authorized()
    @Subscription(() => BulkActionProgress, {
      description: 'A run\'s progress: first the outcomes already recorded after `afterSequence`, then live ones (from any instance), '
        + 'one ITEM event per saga, then one SUMMARY event, and the stream completes. Pass the last sequence seen to resume.',
      subscribe: async ({ args, context }) => {
        requireRole(context as GraphQLContext, 'viewer');
        const { id, afterSequence } = args as { id: string; afterSequence: number };
        if (!(await bulk().service.get(id))) throw new GraphQLError(`no bulk action with id ${id}`, { extensions: { code: 'NOT_FOUND' } });
        return bulkProgressStream(bulk(), id, Math.max(0, afterSequence), deps.subscriberBuffer ?? DEFAULT_SUBSCRIBER_BUFFER);
      },
    })
    bulkActionProgress(
      @Arg('id', () => ID) id: string,
      @Arg('afterSequence', () => Int, { defaultValue: 0 }) _afterSequence: number,
      @Root() step: BulkProgressStep,
    ): BulkActionProgress {
      return step.kind === 'ITEM'
        ? { kind: BulkProgressKind.ITEM, bulkActionId: id, sequence: step.item.seq!, item: toItemType(step.item), summary: null }
        : { kind: BulkProgressKind.SUMMARY, bulkActionId: step.bulk.id, sequence: step.bulk.succeeded + step.bulk.failed + step.bulk.skipped, item: null, summary: toBulkActionType(step.bulk) };
    }
  }
  return [BulkActionResolver];
}
