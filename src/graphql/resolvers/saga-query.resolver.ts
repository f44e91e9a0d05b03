import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { toSagaEventType, toSagaType } from '../mappers';
import type { SchemaDependencies } from '../schema';
import { SagaEventType, SagaType } from '../types/saga';

/** Read side of the control plane: one saga, its steps and event log. */
export function sagaQueryResolvers(deps: Pick<SchemaDependencies, 'reads' | 'registry'>) {
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

    @FieldResolver(() => [SagaEventType], { description: 'The saga\'s event log, oldest first; `afterSequence` resumes after an event already seen.' })
    async events(
      @Root() saga: SagaType,
      @Ctx() ctx: GraphQLContext,
      @Arg('afterSequence', () => Int, { defaultValue: 0 }) afterSequence: number,
    ): Promise<SagaEventType[]> {
      const all = await ctx.eventsLoader.load(saga.id);
      return all.filter((e) => e.seq > afterSequence).map(toSagaEventType);
    }
  }
  return [SagaQueryResolver];
}
