import { Repeater } from '@graphql-yoga/subscription';
import { Arg, Authorized, ID, Int, Resolver, Root, Subscription } from 'type-graphql';
import type { CommittedSagaChange } from '../../persistence/change-listener';
import { isFeedPosition, type FeedPosition, type SagaEventRecord } from '../../persistence/saga-read-repository';
import type { SagaStatus } from '../types/enums';
import type { GraphQLContext } from '../context';
import { badInput, requireRole } from '../guards';
import { toSagaEventType, toSagaType } from '../mappers';
import type { SchemaDependencies } from '../schema';
import { loadSagaStats } from '../stats';
import { SagaFeedFilter, StepUpdateFilter } from '../types/inputs';
import { SagaStats } from '../types/stats';
import { SagaEventType } from '../types/saga';
import { SagaFeedEvent, SagaStepUpdate, SagaUpdate } from '../types/updates';
import { Alarm } from '../../runtime/alarm';

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
    @Subscription(() => SagaEventType, {
      description: 'One saga\'s events from `afterSequence` on: first those already stored, then live ones, with no gap and no duplicate. A client that reconnects passes the last sequence it saw.',
      subscribe: ({ args, context }) => {
        requireRole(context as GraphQLContext, 'viewer');
        const { sagaId, afterSequence } = args as { sagaId: string; afterSequence: number };
        return sagaEventStream(deps, sagaId, afterSequence);
      },
    })
    sagaEvents(
      @Arg('sagaId', () => ID) _sagaId: string,
      @Arg('afterSequence', () => Int, { defaultValue: 0 }) _afterSequence: number,
      @Root() event: SagaEventType,
    ): SagaEventType {
      return event;
    }

    @Authorized()
    @Subscription(() => SagaFeedEvent, {
      description: 'Events of all sagas, filtered, in a resumable order: pass the last `cursor` seen as `after` after a reconnect to continue with no gap and no duplicate, even for events committed while away.',
      subscribe: ({ args, context }) => {
        requireRole(context as GraphQLContext, 'viewer');
        const { filter, after } = args as { filter?: SagaFeedFilter; after?: string | null };
        return sagaFeed(deps, filter ?? {}, after ? decodeFeedCursor(after) : null);
      },
    })
    sagaEventFeed(
      @Arg('filter', () => SagaFeedFilter, { nullable: true }) _filter: SagaFeedFilter | undefined,
      @Arg('after', () => String, { nullable: true }) _after: string | undefined,
      @Root() event: SagaFeedEvent,
    ): SagaFeedEvent {
      return event;
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

/**
 * Stored events after `afterSequence`, then live ones. The live listener is registered before the
 * stored events are read, and every event is passed on only if its sequence is the next one, so
 * an event committed while the history is being read is neither lost nor sent twice.
 */
function sagaEventStream(deps: Pick<SchemaDependencies, 'changes' | 'reads'>, sagaId: string, afterSequence: number): AsyncIterable<SagaEventType> {
  return new Repeater<SagaEventType>(async (push, stop) => {
    let last = Math.max(0, afterSequence);
    // One delivery at a time, in order: a live notice never overtakes the history being read.
    let chain: Promise<void> = Promise.resolve();
    const deliver = async (events: SagaEventRecord[]) => {
      for (const e of events) {
        if (e.seq <= last) continue; // already sent
        if (e.seq > last + 1) {
          // Something in between was not in hand: read it from the log first.
          const missing = await deps.reads.eventsBetween(sagaId, last, e.seq - 1);
          for (const m of missing) { if (m.seq === last + 1) { last = m.seq; await push(toSagaEventType(m)); } }
          if (e.seq !== last + 1) continue;
        }
        last = e.seq;
        await push(toSagaEventType(e));
      }
    };
    const enqueue = (load: () => Promise<SagaEventRecord[]>) => {
      chain = chain.then(async () => deliver(await load())).catch((error) => stop(error));
    };
    // Listen first, then read the history: whatever commits in between is caught either way.
    const unsubscribe = deps.changes.subscribe((change) => {
      if (change.saga.state.id === sagaId) enqueue(async () => change.events);
    });
    enqueue(async () => {
      const history: SagaEventRecord[] = [];
      for (let after = last; ;) {
        const page = (await deps.reads.eventsOf([sagaId], after, 1000)).get(sagaId) ?? [];
        history.push(...page);
        if (page.length < 1000) return history;
        after = page[page.length - 1].seq;
      }
    });
    await stop;
    unsubscribe();
  });
}

export function encodeFeedCursor(p: FeedPosition): string {
  return Buffer.from(`${p.txId}:${p.id}`, 'utf8').toString('base64url');
}

function decodeFeedCursor(cursor: string): FeedPosition {
  const match = /^(\d+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || !isFeedPosition({ txId: match[1], id: match[2] })) throw badInput('after is not a cursor this API returned', 'after');
  return { txId: match[1], id: match[2] };
}

/** Pages through the feed; waits for a commit notice (or a second, as older transactions finish). */
function sagaFeed(deps: Pick<SchemaDependencies, 'changes' | 'reads'>, filter: SagaFeedFilter, after: FeedPosition | null): AsyncIterable<SagaFeedEvent> {
  return new Repeater<SagaFeedEvent>(async (push, stop) => {
    let position = after;
    let stopped = false;
    // A notice or stop that arrives during a read rings the alarm, and the sleep below returns at once.
    const alarm = new Alarm();
    const unsubscribe = deps.changes.subscribe(() => alarm.wake());
    void stop.then(() => { stopped = true; alarm.wake(); });
    const feedFilter = { sagaId: filter.sagaId, sagaType: filter.sagaType, eventTypes: filter.eventTypes, step: filter.step, sagaStatuses: filter.sagaStatus };
    try {
      while (!stopped) {
        const page = await deps.reads.feed(position, feedFilter, 500);
        for (const e of page) {
          position = e.position;
          await push({ cursor: encodeFeedCursor(e.position), sagaType: e.sagaType, sagaStatus: e.sagaStatus as SagaStatus, event: toSagaEventType(e) });
        }
        if (page.length === 500) continue;
        await alarm.sleep(1000);
      }
    } catch (error) {
      stop(error);
    } finally {
      unsubscribe();
    }
  });
}
