import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { definitionFingerprint, sagaStatuses, type AnySagaDefinition, type DefinitionUsage } from '../../core';
import { isUtcInstantText } from '../../persistence/sql';
import type { GraphQLContext } from '../context';
import { toSagaEventType, toSagaType } from '../mappers';
import type { SchemaDependencies } from '../schema';
import { SagaConnection } from '../types/connection';
import { WaitingCommand } from '../types/diagnostics';
import { RUNNING_INSTANCES, SagaDefinitionInfo } from '../types/definition';
import { SagaFilter } from '../types/filter';
import { searchFilter } from '../search-filter';
import { CompensationPlan } from '../types/plan';
import { SagaEventType, SagaType } from '../types/saga';
import { SagaStats } from '../types/stats';
import { loadSagaStats } from '../stats';
import { buildCompensationPlan } from '../plan';
import { badInput } from '../guards';
import { COST, readsRows } from '../limits';
import type { SagaKey, SagaListFilter } from '../../runtime/ports';
import { isUuid } from '../../runtime/uuid';

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 20;

/** The connection as resolved: the filter travels along so totalCount counts only when asked. */
type ResolvedConnection = SagaConnection & { filter: SagaListFilter };

/** A definition as resolved: the usage of every definition, read once per query and only when runningInstances is asked for. */
type ResolvedDefinition = SagaDefinitionInfo & { usage: () => Promise<DefinitionUsage[]> };

/** Opaque keyset cursor: base64url of `<created_at ISO with microseconds>|<id>`. */
export function encodeCursor(key: SagaKey): string {
  return Buffer.from(`${key.createdAt}|${key.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): SagaKey | null {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(cursor)) return null;
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([0-9a-f-]{36})$/i.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || !isUtcInstantText(match[1]) || !isUuid(match[2])) return null;
  return { createdAt: match[1], id: match[2] };
}

function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${size}`, 'first');
  }
  return size;
}

export function listFilter(filter: SagaFilter | null | undefined, nowMs: number): SagaListFilter {
  if (!filter) return {};
  const stuck = filter.stuckForSeconds;
  if (stuck !== null && stuck !== undefined && stuck < 0) throw badInput(`filter.stuckForSeconds must be 0 or more, got ${stuck}`, 'filter');
  return {
    statuses: filter.status ?? null,
    type: filter.type ?? null,
    orderId: filter.orderId ?? null,
    businessKey: filter.businessKey ?? null,
    customerId: filter.customerId ?? null,
    startedAfter: filter.startedAfter ?? null,
    startedBefore: filter.startedBefore ?? null,
    noProgressSince: stuck === null || stuck === undefined ? null : new Date(nowMs - stuck * 1000),
    ...searchFilter(filter),
  };
}

function definitionInfo(def: AnySagaDefinition, latest: boolean): SagaDefinitionInfo {
  return {
    name: def.name,
    version: def.version,
    latest,
    fingerprint: definitionFingerprint(def),
    runningInstances: 0,
    failureStatuses: def.failureStatuses,
    steps: def.steps.map((step, position) => ({
      name: step.name,
      position,
      participant: step.participant,
      description: step.description,
      optional: typeof step.when === 'function',
      timeoutMs: step.timeoutMs,
      retry: { ...step.retry },
      skippable: step.skippable,
      failureStatus: step.failureStatus,
      hasCompensation: !!step.compensation,
      outputSchema: step.outputSchema ?? null,
    })),
  };
}

/** Read side of the control plane: sagas, their steps and event logs, stats, definitions, plans. */
export function sagaQueryResolvers(deps: Pick<SchemaDependencies, 'reads' | 'registry' | 'definitions'>) {
  @Resolver(() => SagaType)
  class SagaQueryResolver {
    @Authorized()
    @Query(() => SagaType, { nullable: true, description: 'A saga by id; null when there is none.' })
    async saga(@Arg('id', () => ID) id: string): Promise<SagaType | null> {
      const record = await deps.reads.findById(id);
      return record ? toSagaType(record) : null;
    }

    @Authorized()
    @Query(() => SagaType, { nullable: true, description: 'The saga of an order; null when there is none.' })
    async sagaByOrder(@Arg('orderId', () => ID) orderId: string): Promise<SagaType | null> {
      const record = await deps.reads.findByOrderId(orderId);
      return record ? toSagaType(record) : null;
    }

    @Authorized()
    @Query(() => SagaConnection, {
      description: `Sagas, newest first (start time, then id), a page at a time: \`first\` (1 to ${MAX_PAGE_SIZE}) after the opaque cursor \`after\`. `
        + 'Keyset pagination: sagas started later appear before the first page and never shift later pages.',
      // A page costs its selection once per saga.
      complexity: ({ args, childComplexity }) => 1 + childComplexity * Math.min(MAX_PAGE_SIZE, Math.max(1, Number(args.first ?? DEFAULT_PAGE_SIZE) || 1)),
    })
    async sagas(
      @Arg('filter', () => SagaFilter, { nullable: true }) filter: SagaFilter | null,
      @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
      @Arg('after', () => String, { nullable: true, description: 'endCursor (or any edge cursor) of the previous page.' }) after: string | null,
    ): Promise<ResolvedConnection> {
      const limit = pageSize(first);
      let key: SagaKey | null = null;
      if (after !== null && after !== undefined) {
        key = decodeCursor(after);
        if (!key) throw badInput('after is not a cursor this API returned', 'after');
      }
      const where = listFilter(filter, Date.now());
      const page = await deps.reads.list(where, limit, key);
      const edges = page.records.map((record) => ({ cursor: encodeCursor(record.key), node: toSagaType(record) }));
      return {
        edges,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
        totalCount: 0,
        filter: where,
      };
    }

    @Authorized()
    @Query(() => SagaStats, { description: 'Counts and durations over the last `window` seconds (1 s to 31 days).' })
    async sagaStats(@Arg('window', () => Int, { defaultValue: 3600, description: 'Seconds back from now.' }) window: number): Promise<SagaStats> {
      return loadSagaStats(deps.reads, window, sagaStatuses(deps.registry.list()));
    }

    @Authorized()
    @Query(() => [SagaDefinitionInfo], { description: 'Every registered saga definition, each version.' })
    sagaDefinitions(): ResolvedDefinition[] {
      let usage: Promise<DefinitionUsage[]> | undefined;
      const load = () => (usage ??= deps.definitions.usage());
      return deps.registry.list().map((def) => ({ ...definitionInfo(def, deps.registry.latest(def.name) === def), usage: load }));
    }

    @Authorized()
    @Query(() => CompensationPlan, { nullable: true, description: 'Dry run: the compensations that would run now, in order, with their commands. Changes nothing; null for an unknown saga.' })
    async compensationPlan(@Arg('sagaId', () => ID) sagaId: string): Promise<CompensationPlan | null> {
      const record = await deps.reads.findById(sagaId);
      if (!record) return null;
      return buildCompensationPlan(record, deps.registry);
    }

    @FieldResolver(() => [WaitingCommand], { description: 'The commands the saga waits on now, with topic, partition, offset, eventId, wait time and retries (transport diagnostics).' })
    async waitingOn(@Root() saga: SagaType, @Ctx() ctx: GraphQLContext): Promise<WaitingCommand[]> {
      const state = saga.engineState;
      if (!state || (state.status !== 'RUNNING' && state.status !== 'COMPENSATING' && state.status !== 'COMPENSATION_FAILED')) return [];
      const phase = state.status === 'RUNNING' ? 'forward' : 'compensation';
      const step = phase === 'forward'
        ? state.steps.find((s) => s.name === state.currentStep && s.status === 'RUNNING')
        : state.steps.find((s) => s.status === 'COMPENSATING');
      if (!step) return [];
      const commands = phase === 'forward' ? step.commands : step.compensationCommands;
      const since = (phase === 'forward' ? step.startedAtMs : step.compensationStartedAtMs) ?? state.updatedAtMs;
      const attempts = phase === 'forward' ? step.attempts : step.compensationAttempts;
      const locations = await ctx.outboxLoader.load(state.id);
      return commands.map((c) => {
        const where = locations.get(c.eventId);
        return {
          step: step.name, phase, eventId: c.eventId, eventType: c.eventType, topic: c.topic,
          partition: where?.partition ?? null, offset: where?.offset ?? null, publishedAt: where?.publishedAt ?? null,
          waitingSince: new Date(since), waitingMs: Date.now() - since, retries: Math.max(0, attempts - 1),
          timerDueAt: state.timer ? new Date(state.timer.dueAtMs) : null,
        };
      });
    }

    @FieldResolver(() => [SagaEventType], {
      description: 'The saga\'s event log, oldest first; `afterSequence` resumes after an event already seen.',
      complexity: readsRows(() => COST.eventsPerSaga),
    })
    async events(
      @Root() saga: SagaType,
      @Ctx() ctx: GraphQLContext,
      @Arg('afterSequence', () => Int, { defaultValue: 0 }) afterSequence: number,
    ): Promise<SagaEventType[]> {
      const all = await ctx.eventsLoader.load(saga.id);
      return all.filter((e) => e.seq > afterSequence).map(toSagaEventType);
    }
  }

  @Resolver(() => SagaConnection)
  class SagaConnectionResolver {
    @FieldResolver(() => Int, { description: 'How many sagas match the filter, over all pages.' })
    async totalCount(@Root() connection: ResolvedConnection): Promise<number> {
      return deps.reads.count(connection.filter);
    }
  }

  @Resolver(() => SagaDefinitionInfo)
  class SagaDefinitionResolver {
    @FieldResolver(() => Int, { description: RUNNING_INSTANCES })
    async runningInstances(@Root() def: ResolvedDefinition): Promise<number> {
      const usage = await def.usage();
      return usage.filter((u) => u.name === def.name && u.version === def.version).reduce((n, u) => n + u.running, 0);
    }
  }

  return [SagaQueryResolver, SagaConnectionResolver, SagaDefinitionResolver];
}
