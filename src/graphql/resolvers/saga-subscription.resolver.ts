import { sagaStatuses } from '../../core';
import { Arg, Authorized, ID, Int, Resolver, Root, Subscription } from 'type-graphql';
import type { SagaStatus } from '../types/enums';
import type { GraphQLContext } from '../context';
import { requireRole } from '../guards';
import { toSagaEventType, toSagaType } from '../mappers';
import type { SchemaDependencies } from '../schema';
import { loadSagaStats } from '../stats';
import { crossSagaChangeStream } from '../streams/cross-saga-change-stream';
import { sagaChangeStream } from '../streams/saga-change-stream';
import { sagaEventStream } from '../streams/saga-event-stream';
import { decodeFeedCursor, encodeFeedCursor, sagaFeedStream } from '../streams/saga-feed-stream';
import { snapshotStream } from '../streams/snapshot-stream';
import { DEFAULT_SUBSCRIBER_BUFFER } from '../streams/subscriber-buffer';
import { SagaFeedFilter, StepUpdateFilter } from '../types/inputs';
import { SagaStats } from '../types/stats';
import { SagaEventType } from '../types/saga';
import { SagaFeedEvent, SagaStepUpdate, SagaUpdate } from '../types/updates';
import type { CommittedSagaChange, FeedEventRecord, SagaEventRecord } from '../../runtime/ports';

/** A change's step events as sagaStepUpdated yields them, narrowed by the filter. */
function stepUpdates(filter: StepUpdateFilter) {
  return (change: CommittedSagaChange): SagaStepUpdate[] => {
    if (filter.sagaId && change.saga.state.id !== filter.sagaId) return [];
    const saga = toSagaType(change.saga);
    return change.events.filter((e) => e.step !== null).flatMap((event): SagaStepUpdate[] => {
      const step = saga.steps.find((s) => s.name === event.step);
      if (!step || (filter.step && step.name !== filter.step) || (filter.status?.length && !filter.status.includes(step.status))) return [];
      return [{ sagaId: saga.id, orderId: saga.orderId, businessKey: saga.businessKey, sagaStatus: saga.status, step, event: toSagaEventType(event) }];
    });
  };
}

/**
 * Live progress over graphql-ws. Changes come from PostgreSQL LISTEN/NOTIFY (see
 * persistence/change-listener.ts), so a subscriber on any instance sees changes committed by any
 * other, after the commit and in commit order.
 */
export function sagaSubscriptionResolvers(deps: Pick<SchemaDependencies, 'changes' | 'reads' | 'registry' | 'subscriberBuffer'>) {
  const capacity = deps.subscriberBuffer ?? DEFAULT_SUBSCRIBER_BUFFER;
  @Resolver()
  class SagaSubscriptionResolver {
    @Authorized()
    @Subscription(() => SagaUpdate, {
      description: 'Every committed change of one saga.',
      subscribe: ({ args, context }) => {
        requireRole(context as GraphQLContext, 'viewer');
        const id = (args as { id: string }).id;
        return sagaChangeStream(deps, id, capacity, (change) => [change]);
      },
    })
    sagaUpdated(@Arg('id', () => ID) _id: string, @Root() change: CommittedSagaChange): SagaUpdate {
      return { saga: toSagaType(change.saga), events: change.events.map(toSagaEventType) };
    }

    @Authorized()
    @Subscription(() => SagaStepUpdate, {
      description: 'Step changes across sagas (started, succeeded, failed, compensating, compensated, skipped, retried), filtered, from the subscription on. '
        + 'Step events committed while the server\'s change listener was away are shown once it is back (each saga\'s in sequence order, with the saga as it is then), before the live ones; none twice. '
        + 'Not resumable across reconnects of the client: use sagaEventFeed with a cursor for that.',
      subscribe: ({ args, context }) => {
        requireRole(context as GraphQLContext, 'viewer');
        const filter = ((args as { filter?: StepUpdateFilter }).filter ?? {}) as StepUpdateFilter;
        // One saga: re-read after a listener outage; across sagas: caught up from the feed.
        return filter.sagaId
          ? sagaChangeStream(deps, filter.sagaId, capacity, stepUpdates(filter))
          : crossSagaChangeStream(deps, { stepsOnly: true, step: filter.step }, capacity, stepUpdates(filter));
      },
    })
    sagaStepUpdated(@Arg('filter', () => StepUpdateFilter, { nullable: true }) _filter: StepUpdateFilter | undefined, @Root() update: SagaStepUpdate): SagaStepUpdate {
      return update;
    }

    @Authorized()
    @Subscription(() => SagaEventType, {
      description: 'One saga\'s events from `afterSequence` on: first those already stored, then live ones, with no gap and no duplicate. A client that reconnects passes the last sequence it saw.',
      subscribe: ({ args, context }) => {
        requireRole(context as GraphQLContext, 'viewer');
        const { sagaId, afterSequence } = args as { sagaId: string; afterSequence: number };
        return sagaEventStream(deps, sagaId, afterSequence, capacity);
      },
    })
    sagaEvents(
      @Arg('sagaId', () => ID) _sagaId: string,
      @Arg('afterSequence', () => Int, { defaultValue: 0 }) _afterSequence: number,
      @Root() event: SagaEventRecord,
    ): SagaEventType {
      return toSagaEventType(event);
    }

    @Authorized()
    @Subscription(() => SagaFeedEvent, {
      description: 'Events of all sagas, filtered, in a resumable order: pass the last `cursor` seen as `after` after a reconnect to continue with no gap and no duplicate, even for events committed while away.',
      subscribe: ({ args, context }) => {
        requireRole(context as GraphQLContext, 'viewer');
        const { filter, after } = args as { filter?: SagaFeedFilter; after?: string | null };
        const f = filter ?? {};
        const feedFilter = { sagaId: f.sagaId, sagaType: f.sagaType, eventTypes: f.eventTypes, step: f.step, sagaStatuses: f.sagaStatus };
        return sagaFeedStream(deps, feedFilter, after ? decodeFeedCursor(after) : null, capacity);
      },
    })
    sagaEventFeed(
      @Arg('filter', () => SagaFeedFilter, { nullable: true }) _filter: SagaFeedFilter | undefined,
      @Arg('after', () => String, { nullable: true }) _after: string | undefined,
      @Root() e: FeedEventRecord,
    ): SagaFeedEvent {
      return { cursor: encodeFeedCursor(e.position), sagaType: e.sagaType, sagaStatus: e.sagaStatus as SagaStatus, event: toSagaEventType(e) };
    }

    @Authorized()
    @Subscription(() => SagaStats, {
      description: 'Saga counts and durations: now, then again after changes, at most once every intervalMs (250 to 60000).',
      subscribe: ({ args, context }) => {
        requireRole(context as GraphQLContext, 'viewer');
        const { window, intervalMs } = args as { window: number; intervalMs: number };
        return snapshotStream(deps.changes, () => loadSagaStats(deps.reads, window, sagaStatuses(deps.registry.list())), Math.min(60000, Math.max(250, intervalMs)));
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
