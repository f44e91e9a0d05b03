import { Repeater } from '@graphql-yoga/subscription';
import { Arg, Authorized, ID, Int, Resolver, Root, Subscription } from 'type-graphql';
import type { CommittedSagaChange } from '../../persistence/change-listener';
import type { GraphQLContext } from '../context';
import { requireRole } from '../guards';
import { toSagaEventType, toSagaType } from '../mappers';
import type { SchemaDependencies } from '../schema';
import { loadSagaStats } from '../stats';
import { StepUpdateFilter } from '../types/inputs';
import { SagaStats } from '../types/stats';
import { SagaStepUpdate, SagaUpdate } from '../types/updates';

type Changes = SchemaDependencies['changes'];

/** An async iterator over committed changes, mapped to what one subscription yields. */
function changesOf<T>(changes: Changes, map: (change: CommittedSagaChange) => T[]): AsyncIterable<T> {
  return new Repeater<T>(async (push, stop) => {
    const unsubscribe = changes.subscribe((change) => { for (const item of map(change)) void push(item); });
    await stop;
    unsubscribe();
  });
}

/**
 * Live progress over graphql-ws. Changes come from PostgreSQL LISTEN/NOTIFY (see
 * persistence/change-listener.ts), so a subscriber on any instance sees changes committed by any
 * other, after the commit and in commit order.
 */
export function sagaSubscriptionResolvers(deps: Pick<SchemaDependencies, 'changes' | 'reads'>) {
  @Resolver()
  class SagaSubscriptionResolver {
    @Authorized()
    @Subscription(() => SagaUpdate, {
      description: 'Every committed change of one saga.',
      subscribe: ({ args, context }) => {
        requireRole(context as GraphQLContext, 'viewer');
        const id = (args as { id: string }).id;
        return changesOf(deps.changes, (c) => (c.saga.state.id === id ? [c] : []));
      },
    })
    sagaUpdated(@Arg('id', () => ID) _id: string, @Root() change: CommittedSagaChange): SagaUpdate {
      return { saga: toSagaType(change.saga), events: change.events.map(toSagaEventType) };
    }

    @Authorized()
    @Subscription(() => SagaStepUpdate, {
      description: 'Step changes across sagas (started, succeeded, failed, compensating, compensated, skipped, retried), filtered.',
      subscribe: ({ args, context }) => {
        requireRole(context as GraphQLContext, 'viewer');
        const filter = ((args as { filter?: StepUpdateFilter }).filter ?? {}) as StepUpdateFilter;
        return changesOf(deps.changes, (change) => {
          if (filter.sagaId && change.saga.state.id !== filter.sagaId) return [];
          const saga = toSagaType(change.saga);
          return change.events.filter((e) => e.step !== null).flatMap((event): SagaStepUpdate[] => {
            const step = saga.steps.find((s) => s.name === event.step);
            if (!step || (filter.step && step.name !== filter.step) || (filter.status?.length && !filter.status.includes(step.status))) return [];
            return [{ sagaId: saga.id, orderId: saga.orderId, sagaStatus: saga.status, step, event: toSagaEventType(event) }];
          });
        });
      },
    })
    sagaStepUpdated(@Arg('filter', () => StepUpdateFilter, { nullable: true }) _filter: StepUpdateFilter | undefined, @Root() update: SagaStepUpdate): SagaStepUpdate {
      return update;
    }

    @Authorized()
    @Subscription(() => SagaStats, {
      description: 'Saga counts and durations: now, then again after changes, at most once every intervalMs (250 to 60000).',
      subscribe: ({ args, context }) => {
        requireRole(context as GraphQLContext, 'viewer');
        const { window, intervalMs } = args as { window: number; intervalMs: number };
        return statsStream(deps, window, Math.min(60000, Math.max(250, intervalMs)));
      },
    })
    sagaStats(
      @Arg('window', () => Int, { defaultValue: 3600, description: 'Seconds back from now.' }) _window: number,
      @Arg('intervalMs', () => Int, { defaultValue: 1000 }) _intervalMs: number,
      @Root() stats: SagaStats,
    ): SagaStats {
      return stats;
    }
  }
  return [SagaSubscriptionResolver];
}

/** Stats now, then recomputed after changes: many changes within one interval cost one query. */
function statsStream(deps: Pick<SchemaDependencies, 'changes' | 'reads'>, window: number, intervalMs: number): AsyncIterable<SagaStats> {
  return new Repeater<SagaStats>(async (push, stop) => {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const emit = async () => {
      timer = undefined;
      try {
        if (!stopped) await push(await loadSagaStats(deps.reads, window));
      } catch (error) {
        stop(error);
      }
    };
    const unsubscribe = deps.changes.subscribe(() => { timer ??= setTimeout(() => void emit(), intervalMs); });
    await emit();
    await stop;
    stopped = true;
    unsubscribe();
    if (timer) clearTimeout(timer);
  });
}
