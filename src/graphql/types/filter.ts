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

  @Field(() => String, { nullable: true, description: 'The saga\'s business key (with `type`, on the unique index of type and key).' })
  businessKey?: string | null;

  @Field(() => String, { nullable: true })
  customerId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Started at or after this instant.' })
  startedAfter?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Started before this instant.' })
  startedBefore?: Date | null;

  @Field(() => Int, { nullable: true, description: 'Stuck: RUNNING or COMPENSATING, with no progress (no change at all) for more than this many seconds.' })
  stuckForSeconds?: number | null;

  @Field(() => String, { nullable: true, description: 'Some part of the payment uses this method (e.g. `GIFT_CARD` matches a split payment CREDIT_CARD + GIFT_CARD).' })
  paymentMethod?: string | null;

  @Field(() => String, { nullable: true, description: 'Order total (before discounts) at least this much; decimal string, e.g. `"100.00"`.' })
  minAmount?: string | null;

  @Field(() => String, { nullable: true, description: 'Order total (before discounts) at most this much; decimal string.' })
  maxAmount?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The forward step whose failure ended the forward phase (error reply, attempts exhausted, or stopped by an operator), e.g. `processPayment`. '
      + 'Set on sagas that failed (compensating, compensated, failed statuses, COMPENSATION_FAILED, ABORTED); a compensation that gives up does not change it.',
  })
  failingStep?: string | null;

  @Field(() => String, { nullable: true, description: 'The saga\'s last error contains this text, ignoring case (at least 3 characters).' })
  lastErrorText?: string | null;
}
