import { Field, ID, InputType, Int } from 'type-graphql';
import { SagaStatus } from './enums';

@InputType({ description: 'Narrows `sagas`; conditions combine with AND, absent ones do not filter.' })
export class SagaFilter {
  @Field(() => [SagaStatus], { nullable: true, description: 'Any of these statuses (an empty list matches nothing).' })
  status?: SagaStatus[] | null;

  @Field(() => String, { nullable: true, description: 'Definition name, e.g. `order`.' })
  type?: string | null;

  @Field(() => ID, { nullable: true })
  orderId?: string | null;

  @Field(() => String, { nullable: true })
  customerId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Started at or after this instant.' })
  startedAfter?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Started before this instant.' })
  startedBefore?: Date | null;

  @Field(() => Int, { nullable: true, description: 'Stuck: RUNNING or COMPENSATING, with no progress (no change at all) for more than this many seconds.' })
  stuckForSeconds?: number | null;
}
